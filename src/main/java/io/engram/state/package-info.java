/**
 * One model's state on the wire: {@link io.engram.state.Sections} frames it as named sections,
 * each with its own version, and {@link io.engram.state.Binary} writes their pieces. Every stage
 * that owns state writes and reads its own section; this package imports none of them.
 */
package io.engram.state;
