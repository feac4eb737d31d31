package io.engram.learn;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Engram's networks as standard DL4J models: a {@code MultiLayerNetwork} of dense layers and a
 * softmax/MCXENT output layer whose flat parameter vector is Engram's, as is. A published artifact
 * is DL4J's model zip ({@link ModelSerializer}), loadable with plain DL4J.
 */
public final class Dl4jModels {

    private Dl4jModels() {
    }

    /** The DL4J network of {@code spec} with {@code parameters}. */
    public static MultiLayerNetwork toDl4j(MlpSpec spec, float[] parameters, double learningRate) {
        int[] sizes = spec.sizes();
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .updater(new Sgd(learningRate))
                .list();
        for (int l = 0; l < spec.layers() - 1; l++) {
            layers.layer(new DenseLayer.Builder().nIn(sizes[l]).nOut(sizes[l + 1])
                    .activation(dl4jActivation(spec.activation())).build());
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(sizes[spec.layers() - 1]).nOut(spec.classes())
                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build());
        MultiLayerConfiguration configuration = layers.build();
        MultiLayerNetwork network = new MultiLayerNetwork(configuration);
        network.init();
        network.setParams(Nd4j.createFromArray(parameters).reshape(1, parameters.length));
        return network;
    }

    /** Writes the DL4J model zip of {@code spec} with {@code parameters}. */
    public static void write(MlpSpec spec, float[] parameters, OutputStream out) throws IOException {
        ModelSerializer.writeModel(toDl4j(spec, parameters, 0.0), out, false);
    }

    /** The spec and parameters of a DL4J model zip written by {@link #write}. */
    public static Loaded read(InputStream in) throws IOException {
        MultiLayerNetwork network = ModelSerializer.restoreMultiLayerNetwork(in, false);
        return fromDl4j(network);
    }

    /** A loaded model: its shape and its flat parameters. */
    public record Loaded(MlpSpec spec, float[] parameters, MultiLayerNetwork network) {
    }

    static Loaded fromDl4j(MultiLayerNetwork network) {
        int n = network.getnLayers();
        List<Integer> hidden = new ArrayList<>();
        int input = -1;
        int classes = -1;
        Activation activation = Activation.RELU;
        for (int l = 0; l < n; l++) {
            FeedForwardLayer layer = (FeedForwardLayer) network.getLayer(l).conf().getLayer();
            if (l == 0) {
                input = (int) layer.getNIn();
            }
            if (l < n - 1) {
                hidden.add((int) layer.getNOut());
                activation = fromDl4jActivation(layer.getActivationFn().toString());
            } else {
                classes = (int) layer.getNOut();
            }
        }
        INDArray params = network.params();
        return new Loaded(new MlpSpec(input, hidden, classes, activation),
                params.castTo(DataType.FLOAT).toFloatVector(), network);
    }

    private static org.nd4j.linalg.activations.Activation dl4jActivation(Activation activation) {
        return switch (activation) {
            case RELU -> org.nd4j.linalg.activations.Activation.RELU;
            case TANH -> org.nd4j.linalg.activations.Activation.TANH;
            case SIGMOID -> org.nd4j.linalg.activations.Activation.SIGMOID;
        };
    }

    private static Activation fromDl4jActivation(String name) {
        String n = name.toLowerCase();
        if (n.contains("relu")) {
            return Activation.RELU;
        }
        if (n.contains("tanh")) {
            return Activation.TANH;
        }
        if (n.contains("sigmoid")) {
            return Activation.SIGMOID;
        }
        throw new IllegalArgumentException("unsupported DL4J activation " + name);
    }
}
