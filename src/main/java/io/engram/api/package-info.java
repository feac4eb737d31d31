/**
 * HTTP surface: health (live, ready), status and, later, the model consumer's endpoints of
 * CONTRACT.md. Errors answer with {@code {"error": code, "message": sentence}}.
 */
package io.engram.api;
