package dev.morse.cli;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a number or flag option that {@link BaseCommand#checkOptions} checks together with other
 * options: train's {@code --momentum} (refused with {@code --optimizer adam}), trace's
 * {@code --probes} (whose least value depends on {@code --method}), spectrum's {@code --basis}
 * (which must exceed {@code --k}, or 2k with {@code --which both}, at most P). Sweeps check numbers and flags
 * value by value, each value once with whatever else its task sets, which would miss a bad
 * combination met later (probes 4 first with hutchinson, later with hutchpp); a marked option is
 * checked in every combination with the step's other marked and non-numeric options that its tasks
 * bring ({@link Main#checkedInCombination}). Options of other types (strings, enums, paths, lists)
 * are always checked in every combination and need no mark; a number checked on its own (a seed,
 * a count with a least value) needs none either.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface CombinedCheck {}
