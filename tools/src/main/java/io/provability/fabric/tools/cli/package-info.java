/**
 * The {@code fabric} command (picocli): one class per subcommand. The commands reach the embedded
 * stack only through {@link io.provability.fabric.tools.cli.EmbeddedMode}.
 */
package io.provability.fabric.tools.cli;
