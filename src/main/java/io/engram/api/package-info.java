/**
 * HTTP surface: health (live, ready), status, and the model consumer's endpoints (models, versions,
 * artifacts, metrics, predict) of docs/contract.md. Errors answer with {@code {"error": code, "message": sentence}}.
 */
package io.engram.api;
