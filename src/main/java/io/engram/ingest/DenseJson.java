package io.engram.ingest;

/**
 * Reads the {@code "x"} array of a JSON example straight from its bytes, when it is the plain case:
 * one top-level key spelled {@code "x"}, whose value is a flat array of JSON numbers. A 784-number
 * array is most of a record, and Jackson's tokens cost about 30 ns a number; this reads one in a
 * few. Anything else (no such key, two of them, an escaped key, a non-number item, {@code NaN},
 * a number JSON does not allow, malformed JSON around it) is left to the general reader, which
 * then reads the record as before and phrases any error: this class never rejects a record.
 *
 * <p>Values are those Jackson gives: a number with a fraction or an exponent is the correctly
 * rounded double (as {@code Double.parseDouble}); an integer is the correctly rounded double of
 * its value, so {@code -0} is {@code 0.0} while {@code -0.0} is {@code -0.0}.
 */
final class DenseJson {

    /** 10^0 .. 10^22: every one exactly a double. */
    private static final double[] POWERS = new double[23];
    /** Significant digits below which the digits are exactly a double (10^15 < 2^53). */
    private static final int EXACT_DIGITS = 15;

    static {
        double p = 1;
        for (int i = 0; i < POWERS.length; i++) {
            POWERS[i] = p;
            p *= 10;
        }
    }

    private DenseJson() {
    }

    /**
     * Finds the top-level {@code "x"} array of the object in {@code value} and reads its numbers into
     * {@code dense}; returns the array's bounds {@code [start, end)} (from its {@code [} to just past
     * its {@code ]}) packed as {@code start << 32 | end}, or -1 when the plain case does not hold (then
     * {@code dense} holds nothing).
     */
    static long readX(byte[] value, RecordDecoder.DenseX dense) {
        int i = skipSpace(value, 0);
        if (i >= value.length || value[i] != '{') {
            return -1;
        }
        long found = -1;
        i = skipSpace(value, i + 1);
        if (i < value.length && value[i] == '}') {
            return -1;
        }
        while (true) {
            // a key
            if (i >= value.length || value[i] != '"') {
                return abandon(dense);
            }
            int keyStart = i + 1;
            int keyEnd = endOfString(value, keyStart);
            if (keyEnd < 0) {
                return abandon(dense);
            }
            boolean isX = keyEnd == keyStart + 1 && value[keyStart] == 'x';
            for (int k = keyStart; k < keyEnd; k++) {
                if (value[k] == '\\') {
                    return abandon(dense); // an escaped key may spell x: the general reader decides
                }
            }
            i = skipSpace(value, keyEnd + 1);
            if (i >= value.length || value[i] != ':') {
                return abandon(dense);
            }
            i = skipSpace(value, i + 1);
            if (isX) {
                if (found >= 0 || i >= value.length || value[i] != '[') {
                    return abandon(dense);
                }
                int end = readNumbers(value, i + 1, dense);
                if (end < 0) {
                    return abandon(dense);
                }
                found = (long) i << 32 | end;
                i = end;
            } else {
                i = skipValue(value, i);
                if (i < 0) {
                    return abandon(dense);
                }
            }
            i = skipSpace(value, i);
            if (i >= value.length) {
                return abandon(dense);
            }
            if (value[i] == '}') {
                return found < 0 ? abandon(dense) : found;
            }
            if (value[i] != ',') {
                return abandon(dense);
            }
            i = skipSpace(value, i + 1);
        }
    }

    private static long abandon(RecordDecoder.DenseX dense) {
        dense.clear();
        return -1;
    }

    /** Reads numbers from just after {@code [}; returns the index just past {@code ]}, or -1. */
    private static int readNumbers(byte[] b, int i, RecordDecoder.DenseX dense) {
        dense.begin();
        i = skipSpace(b, i);
        if (i < b.length && b[i] == ']') {
            return i + 1;
        }
        while (i < b.length) {
            int end = number(b, i, dense);
            if (end < 0) {
                return -1;
            }
            i = skipSpace(b, end);
            if (i >= b.length) {
                return -1;
            }
            if (b[i] == ']') {
                return i + 1;
            }
            if (b[i] != ',') {
                return -1;
            }
            i = skipSpace(b, i + 1);
        }
        return -1;
    }

    /** One JSON number from {@code i} into {@code dense}; returns the index past it, or -1 when it is not one. */
    static int number(byte[] b, int i, RecordDecoder.DenseX dense) {
        int start = i;
        boolean negative = i < b.length && b[i] == '-';
        if (negative) {
            i++;
        }
        if (i >= b.length || !digit(b[i])) {
            return -1;
        }
        long digits = 0; // the significant digits, while they fit (beyond EXACT_DIGITS the slow path reads the text)
        int significant = 0;
        if (b[i] == '0') {
            i++;
            if (i < b.length && digit(b[i])) {
                return -1; // a leading zero: not JSON
            }
        } else {
            for (; i < b.length && digit(b[i]); i++) {
                digits = significant < 18 ? digits * 10 + (b[i] - '0') : digits;
                significant++;
            }
        }
        boolean integer = true;
        int fraction = 0;
        if (i < b.length && b[i] == '.') {
            integer = false;
            i++;
            if (i >= b.length || !digit(b[i])) {
                return -1;
            }
            for (; i < b.length && digit(b[i]); i++) {
                if (digits != 0 || b[i] != '0') {
                    significant++; // zeros before the first other digit are not significant
                }
                digits = significant < 18 ? digits * 10 + (b[i] - '0') : digits;
                fraction++;
            }
        }
        int exponent = 0;
        if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
            integer = false;
            i++;
            boolean negativeExponent = i < b.length && b[i] == '-';
            if (i < b.length && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            if (i >= b.length || !digit(b[i])) {
                return -1;
            }
            for (; i < b.length && digit(b[i]); i++) {
                exponent = Math.min(exponent * 10 + (b[i] - '0'), 100_000); // beyond any double's range either way
            }
            exponent = negativeExponent ? -exponent : exponent;
        }
        int power = exponent - fraction;
        double v;
        if (significant <= EXACT_DIGITS && power >= -22 && power <= 22) {
            // the digits and the power of ten are both exact doubles: one operation, correctly rounded
            v = power < 0 ? digits / POWERS[-power] : digits * POWERS[power];
            if (negative) {
                v = integer && v == 0 ? 0.0 : -v; // an integer -0 is the integer 0, as Jackson reads it
            }
        } else {
            // more than 15 significant digits (never zero) or a large power: the text, sign included
            v = Double.parseDouble(new String(b, start, i - start, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        dense.add(v);
        return i;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static int skipSpace(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The index of the closing quote of a string whose content starts at {@code i}, or -1. */
    private static int endOfString(byte[] b, int i) {
        while (i < b.length) {
            if (b[i] == '\\') {
                i += 2;
            } else if (b[i] == '"') {
                return i;
            } else {
                i++;
            }
        }
        return -1;
    }

    /**
     * Skips one value of another key (its validity is the general reader's business, which reads
     * every key but {@code x} afterwards); returns the index past it, or -1 when it runs off the end
     * or its brackets do not match.
     */
    private static int skipValue(byte[] b, int i) {
        int depth = 0;
        while (i < b.length) {
            byte c = b[i];
            if (c == '"') {
                int end = endOfString(b, i + 1);
                if (end < 0) {
                    return -1;
                }
                i = end + 1;
                if (depth == 0) {
                    return i;
                }
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return i; // the end of the enclosing object: an empty value, which the general reader refuses
                }
                depth--;
                if (depth == 0) {
                    return i + 1;
                }
            } else if (depth == 0 && (c == ',')) {
                return i;
            }
            i++;
        }
        return depth == 0 ? i : -1;
    }
}
