/** Entry points behind {@code ./fedprune}: the standalone broker, the local sandbox demo. */
package io.fedprune.deploy;
