/**
 * What every command of {@code ./engram} shares: its option parsing (a bad, unknown or missing
 * flag prints the error and the usage, exit 2) and the service's settings, read as the service
 * reads them, so a command finds the broker and topics the service uses.
 */
package io.engram.command;
