/** Shared helpers of the example commands: progress bars, JSON lines, atomic files, charts, provenance. */
package io.relaxsd.examples.util;
