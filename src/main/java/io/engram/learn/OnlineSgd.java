package io.engram.learn;

import io.engram.replay.ReservoirBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Plain SGD on each incoming minibatch: fine-tuning, the baseline that forgets. The rehearsal
 * buffer is still filled (never replayed) so consolidation has the task's examples.
 */
public final class OnlineSgd implements TrainingMethod {

    private final Network network;
    private final ReservoirBuffer buffer;
    private final float learningRate;
    private final Minibatch incoming;
    private final Batch batch;

    public OnlineSgd(Network network, ReservoirBuffer buffer, float learningRate, int batchSize) {
        this.network = network;
        this.buffer = buffer;
        this.learningRate = learningRate;
        this.incoming = new Minibatch(batchSize, network.spec().inputSize());
        this.batch = new Batch(batchSize);
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
        float loss = network.step(batch, learningRate);
        for (int r = 0; r < incoming.size(); r++) {
            buffer.add(incoming.inputs(), incoming.offset(r), incoming.label(r), incoming.task(r));
        }
        incoming.clear();
        return loss;
    }

    @Override
    public void writeState(java.io.DataOutputStream out) throws java.io.IOException {
        incoming.writeTo(out);
    }

    @Override
    public void readState(java.io.DataInputStream in) throws java.io.IOException {
        incoming.readFrom(in);
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("method", "online");
        h.put("learning_rate", learningRate);
        h.put("batch_size", batch.capacity());
        return h;
    }
}
