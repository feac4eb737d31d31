package io.engram.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import io.engram.config.DriftDetection;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The detector around ADWIN: alarms on a rise of the error only, after the warm-up, and numbers the segments. */
class DriftDetectorTest {

    private static final DriftDetector.Settings ADWIN = new DriftDetector.Settings(DriftDetection.ADWIN, 0.002, 100);

    /** The step (from 0) at which the detector first alarms over {@code n} steps of error rate {@code p}, or −1. */
    private static int firstAlarm(DriftDetector detector, SplittableRandom random, int n, double p) {
        int first = -1;
        for (int t = 0; t < n; t++) {
            if (detector.observe(random.nextDouble() < p) && first < 0) {
                first = t;
            }
        }
        return first;
    }

    @Test
    void aRiseOfTheError_alarms_aFallDoesNot() {
        SplittableRandom random = new SplittableRandom(4);
        DriftDetector falling = new DriftDetector(ADWIN);
        assertThat(firstAlarm(falling, random, 1000, 0.6)).isEqualTo(-1);
        assertThat(firstAlarm(falling, random, 1000, 0.1)).as("learning: the error falls").isEqualTo(-1);
        assertThat(falling.window().width()).as("the window shrank to the lower error").isLessThan(1800);

        DriftDetector rising = new DriftDetector(ADWIN);
        assertThat(firstAlarm(rising, random, 1000, 0.1)).isEqualTo(-1);
        assertThat(firstAlarm(rising, random, 1000, 0.6)).as("drift: the error rises").isBetween(0, 100);
    }

    @Test
    void theFirstMinExamplesOfASegment_areNotSeen() {
        DriftDetector detector = new DriftDetector(ADWIN);
        SplittableRandom random = new SplittableRandom(4);
        firstAlarm(detector, random, 100, 0.0);
        assertThat(detector.window().width()).isZero();
        firstAlarm(detector, random, 50, 0.0);
        assertThat(detector.window().width()).isEqualTo(50);
        detector.boundary();
        assertThat(detector.sinceBoundary()).isZero();
        assertThat(detector.window().width()).isZero();
        // a change inside the warm-up is no alarm: the window starts at the new level
        firstAlarm(detector, random, 60, 0.0);
        assertThat(firstAlarm(detector, random, 1000, 0.7)).isEqualTo(-1);
    }

    @Test
    void segments_areTheTask_thenTaskHashTwo_three() {
        DriftDetector detector = new DriftDetector(ADWIN);
        assertThat(detector.segment("a")).isEqualTo("a");
        assertThat(detector.nextSegment("a")).isEqualTo("a#2");
        assertThat(detector.segment("a")).isEqualTo("a#2");
        assertThat(detector.nextSegment("a")).isEqualTo("a#3");
        assertThat(detector.segment("b")).isEqualTo("b");
        assertThat(detector.section()).isEqualTo("drift-adwin");
    }

    @Test
    void withoutADetector_nothingAlarms() {
        DriftDetector none = new DriftDetector(DriftDetector.Settings.OFF);
        SplittableRandom random = new SplittableRandom(4);
        assertThat(none.enabled()).isFalse();
        assertThat(firstAlarm(none, random, 1000, 0.0)).isEqualTo(-1);
        assertThat(firstAlarm(none, random, 1000, 1.0)).isEqualTo(-1);
    }
}
