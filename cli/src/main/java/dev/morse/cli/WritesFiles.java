package dev.morse.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an option whose value names a file or folder the command writes: {@code --json},
 * {@code --plots}, {@code --save}, {@code --save-vectors}, {@code --save-gradient},
 * {@code --checkpoint-dir}, {@code --resume} (its folder gets the new checkpoints unless
 * {@code --checkpoint-dir} says otherwise), demo's {@code --out}. The one declaration of which
 * options name outputs ({@link Main#writesFiles}): a report's config, and a checkpoint's
 * config.json, leave every such option out ({@link Report#recorded}: a rerun of the report would
 * write over those files), sweeps put every such option of a step into its task folder, and a
 * test checks that every option of type {@code Path} is either marked or a known input, so a new
 * output option cannot be forgotten.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface WritesFiles {}
