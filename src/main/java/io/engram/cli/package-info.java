/**
 * Command-line tools around the service: {@code ./engram feed} (a producer for files and benchmark
 * streams) and the client half of {@code ./engram demo}.
 */
package io.engram.cli;
