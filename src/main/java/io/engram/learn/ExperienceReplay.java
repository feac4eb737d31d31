package io.engram.learn;

import io.engram.network.Batch;
import io.engram.network.Network;
import io.engram.replay.ReservoirBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Experience replay: one SGD step on the mean loss of the incoming minibatch plus
 * {@code replayBatch} examples sampled from the rehearsal buffer; then the incoming examples are
 * offered to the buffer. With {@code replayBatch} 0 it is plain online SGD (fine-tuning, the
 * baseline that forgets); the buffer is still filled, never replayed, so consolidation has the
 * task's examples.
 */
public final class ExperienceReplay implements TrainingMethod {

    private final Network network;
    private final ReservoirBuffer buffer;
    private final float learningRate;
    private final int replayBatch;
    private final Minibatch incoming;
    private final Batch batch;
    private final int[] drawn;

    public ExperienceReplay(Network network, ReservoirBuffer buffer, float learningRate, int batchSize, int replayBatch) {
        this.network = network;
        this.buffer = buffer;
        this.learningRate = learningRate;
        this.replayBatch = replayBatch;
        // incoming rows stay on the heap: a step takes them to the device in one upload, and only
        // those the buffer keeps go up again (once it is full, most are not kept)
        this.incoming = new Minibatch(batchSize, network.spec().inputSize());
        this.batch = new Batch(batchSize + replayBatch);
        this.drawn = new int[replayBatch];
    }

    /** Plain SGD on each incoming minibatch: experience replay without replay. */
    public static ExperienceReplay online(Network network, ReservoirBuffer buffer, float learningRate, int batchSize) {
        return new ExperienceReplay(network, buffer, learningRate, batchSize, 0);
    }

    private long steps;

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public float observe(float[] x, int offset, int label, int task) {
        return incoming.add(x, offset, label, task) ? flush() : Float.NaN;
    }

    @Override
    public float flush() {
        if (incoming.size() == 0) {
            return Float.NaN;
        }
        batch.clear();
        incoming.addTo(batch);
        int n = buffer.sample(replayBatch, drawn);
        for (int i = 0; i < n; i++) {
            batch.add(buffer.rows(), drawn[i], buffer.label(drawn[i]));
        }
        float loss = network.step(batch, learningRate);
        steps++;
        for (int r = 0; r < incoming.size(); r++) {
            buffer.add(incoming.inputs(), incoming.offset(r), incoming.label(r), incoming.task(r));
        }
        incoming.clear();
        return loss;
    }

    @Override
    public void writeState(io.engram.state.Sections.Writer state) throws java.io.IOException {
        incoming.writeState(state);
    }

    @Override
    public void readState(io.engram.state.Sections.Reader state) throws java.io.IOException {
        incoming.readState(state);
    }

    /** The incoming examples not yet learned. */
    Minibatch incoming() {
        return incoming;
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("method", replayBatch == 0 ? "online" : "er");
        h.put("learning_rate", learningRate);
        h.put("batch_size", batch.capacity() - replayBatch);
        if (replayBatch == 0) {
            return h;
        }
        h.put("replay_batch", replayBatch);
        h.put("replay_capacity", buffer.capacity());
        h.put("replay_policy", buffer.policy().name().toLowerCase());
        return h;
    }
}
