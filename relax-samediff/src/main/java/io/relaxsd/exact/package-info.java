/**
 * Exact enumeration of small discrete problems: the ground truth that every estimator is tested
 * against, and that {@code ./relax grad} prints beside its Monte-Carlo estimates.
 */
package io.relaxsd.exact;
