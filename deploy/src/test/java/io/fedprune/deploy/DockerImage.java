package io.fedprune.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the final stage of a Dockerfile says about how its container runs: ENV, WORKDIR, USER, ENTRYPOINT and CMD
 * (exec form). Enough of the format for deploy/docker/Dockerfile; continuation lines are joined.
 */
record DockerImage(Map<String, String> env, String workDir, String user, List<String> entrypoint, List<String> cmd) {

    static DockerImage parse(Path dockerfile) throws IOException {
        String text = Files.readString(dockerfile).replaceAll("\\\\\\n", " ");
        String last = text.substring(text.lastIndexOf("\nFROM "));
        Map<String, String> env = new LinkedHashMap<>();
        String workDir = "/", user = "root";
        List<String> entrypoint = List.of(), cmd = List.of();
        ObjectMapper json = new ObjectMapper();
        for (String line : last.split("\n")) {
            line = line.strip();
            if (line.startsWith("ENV ")) {
                Matcher m = Pattern.compile("([A-Z_]+)=(\"[^\"]*\"|\\S+)").matcher(line.substring(4));
                while (m.find()) env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
            } else if (line.startsWith("WORKDIR ")) {
                workDir = line.substring(8).strip();
            } else if (line.startsWith("USER ")) {
                user = line.substring(5).strip();
            } else if (line.startsWith("ENTRYPOINT ")) {
                entrypoint = new ArrayList<>(List.of(json.readValue(line.substring(11), String[].class)));
            } else if (line.startsWith("CMD ")) {
                cmd = new ArrayList<>(List.of(json.readValue(line.substring(4), String[].class)));
            }
        }
        return new DockerImage(env, workDir, user, entrypoint, cmd);
    }
}
