package io.fedprune.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/BENCHMARKS.md as {@code ./fedprune bench} writes it: a section's block is replaced, everything outside the blocks kept. */
class BenchDocumentTest {

    @Test
    void aSectionRunReplacesItsBlockAndKeepsTheOtherSectionsAndTheNotesBetweenThem(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("BENCHMARKS.md");
        Files.writeString(doc, "# old header\n\n<!-- bench:dpp -->\n## DPP\nold dpp figures\n<!-- /bench:dpp -->\n\n"
                + "### DPP step: notes by hand\n\na note\n\n<!-- bench:rounds -->\n## Rounds\nold rounds\n<!-- /bench:rounds -->\n");

        BenchMain.write(doc, "dpp", "## DPP\nnew dpp figures\n", "./fedprune bench dpp");
        String text = Files.readString(doc);

        assertTrue(text.startsWith("# Benchmarks\n") && text.contains("Last run: `./fedprune bench dpp`."), text);
        String expectedTail = "<!-- bench:dpp -->\n## DPP\nnew dpp figures\n<!-- /bench:dpp -->\n\n"
                + "### DPP step: notes by hand\n\na note\n\n<!-- bench:rounds -->\n## Rounds\nold rounds\n<!-- /bench:rounds -->\n";
        assertEquals(expectedTail, text.substring(text.indexOf("<!-- bench:dpp -->")));
    }

    @Test
    void aSectionTheDocumentLacksGoesInDocumentOrderBeforeTheNextSectionItHolds(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("BENCHMARKS.md");
        Files.writeString(doc, "# h\n\n<!-- bench:dpp -->\nD\n<!-- /bench:dpp -->\n\n<!-- bench:rounds -->\nR\n<!-- /bench:rounds -->\n");

        BenchMain.write(doc, "fusion", "F", "./fedprune bench fusion");
        String text = Files.readString(doc);

        int d = text.indexOf("<!-- bench:dpp -->"), f = text.indexOf("<!-- bench:fusion -->"), r = text.indexOf("<!-- bench:rounds -->");
        assertTrue(d >= 0 && d < f && f < r, text);
        assertTrue(text.contains("<!-- bench:fusion -->\nF\n<!-- /bench:fusion -->"), text);
    }
}
