/**
 * Typed settings ({@link io.engram.config.EngramConfig}) and their start-up validation
 * ({@link io.engram.config.SettingsValidator}). Every other stage reads its settings from here.
 */
package io.engram.config;
