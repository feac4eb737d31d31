#!/usr/bin/env python3
"""Rebuild a model version from Kafka alone, check it, and predict with ONNX Runtime.

Reads engram.models (manifests and the @latest/@stable aliases) and engram.model-chunks with
isolation.level=read_committed, picks the version, rebuilds its ONNX artifact from the chunks keyed
<model>:<version>:onnx:<index>, checks the chunk count, the size and the SHA-256 against the
manifest's "artifacts" entry, and runs the model on the inputs.

    ./model_consumer.py --model default --version latest --inputs x.json --out predictions.json
    ./model_consumer.py --model default --save model.onnx          # just fetch and verify

--inputs: a JSON array of inputs (each a list of input-size numbers). --out: a JSON object
{"model", "version", "labels", "probabilities": [[...], ...], "classes": [...]}.
Exit codes: 0 ok, 1 usage or Kafka trouble, 3 the artifact does not match its manifest.
"""
import argparse
import hashlib
import json
import os
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaError, TopicPartition, OFFSET_BEGINNING


class ArtifactMismatch(Exception):
    """The chunks on Kafka do not rebuild the artifact the manifest describes."""


def read_latest(bootstrap, topic, key_prefix, timeout_s=60):
    """Every committed record of a topic whose key starts with key_prefix: the latest value per key."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "engram-python-reader-" + uuid.uuid4().hex,
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "enable.partition.eof": True,
        "auto.offset.reset": "earliest",
    })
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s)
        if topic not in metadata.topics or metadata.topics[topic].error is not None:
            raise RuntimeError(f"topic {topic} is not on the broker at {bootstrap}")
        partitions = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.topics[topic].partitions]
        consumer.assign(partitions)
        at_end = set()
        latest = {}
        deadline = time.monotonic() + timeout_s
        while len(at_end) < len(partitions):
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not read {topic} to its end within {timeout_s} s")
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                if message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    continue
                raise RuntimeError(f"reading {topic}: {message.error()}")
            at_end.discard(message.partition())
            key = message.key().decode("utf-8") if message.key() is not None else None
            if key is None or not key.startswith(key_prefix):
                continue
            if message.value() is None:
                latest.pop(key, None)
            else:
                latest[key] = message.value()
        return latest
    finally:
        consumer.close()


def find_manifest(bootstrap, prefix, model, version):
    """The manifest (dict) of a version: a number, latest or stable."""
    records = read_latest(bootstrap, prefix + "models", model + ":")
    if version in ("latest", "stable"):
        alias = records.get(f"{model}:@{version}")
        if alias is not None:
            number = json.loads(alias)["version"]
        elif version == "latest":
            numbers = [int(k[len(model) + 1:]) for k in records if ":@" not in k and k[len(model) + 1:].isdigit()]
            if not numbers:
                raise LookupError(f"model {model!r} has no version on {prefix}models")
            number = max(numbers)
        else:
            raise LookupError(f"model {model!r} has no stable version on {prefix}models")
    else:
        number = int(version)
    manifest = records.get(f"{model}:{number}")
    if manifest is None:
        raise LookupError(f"model {model!r} has no version {number} on {prefix}models")
    return json.loads(manifest)


def rebuild(bootstrap, prefix, manifest, fmt="onnx"):
    """The verified bytes of one artifact format of a manifest."""
    model, version = manifest["model"], manifest["version"]
    entry = next((a for a in manifest.get("artifacts", []) if a["format"] == fmt), None)
    if entry is None:
        listed = [a["format"] for a in manifest.get("artifacts", [])] or [manifest["artifact"]["format"]]
        raise ArtifactMismatch(f"version {version} of model {model} has no {fmt} artifact; its manifest lists {listed}")
    chunk_prefix = f"{model}:{version}:{fmt}:" if fmt != "dl4j-multilayernetwork-zip" else f"{model}:{version}:"
    records = read_latest(bootstrap, prefix + "model-chunks", chunk_prefix)
    chunks = {int(k[len(chunk_prefix):]): v for k, v in records.items() if k[len(chunk_prefix):].isdigit()}
    if sorted(chunks) != list(range(entry["chunks"])):
        raise ArtifactMismatch(f"version {version} of model {model}: the manifest lists {entry['chunks']} {fmt} chunks, "
                               f"found indices {sorted(chunks)}")
    data = b"".join(chunks[i] for i in range(entry["chunks"]))
    if len(data) != entry["bytes"]:
        raise ArtifactMismatch(f"version {version} of model {model}: expected {entry['bytes']} bytes of {fmt}, "
                               f"the chunks hold {len(data)}")
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise ArtifactMismatch(f"version {version} of model {model}: {fmt} SHA-256 mismatch, manifest says "
                               f"{entry['sha256']}, the chunks hash to {digest} (a chunk is corrupt or missing)")
    return data


def predict(onnx_bytes, inputs):
    """Class probabilities of each input, and the model's labels from its metadata."""
    import numpy as np
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    input_name = meta.get("input_name", session.get_inputs()[0].name)
    output_name = meta.get("output_name", session.get_outputs()[0].name)
    x = np.asarray(inputs, dtype=np.float32)
    probabilities = session.run([output_name], {input_name: x})[0]
    return probabilities, json.loads(meta.get("labels", "[]"))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap", default=os.environ.get("ENGRAM_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    p.add_argument("--topic-prefix", default=os.environ.get("ENGRAM_TOPIC_PREFIX", "engram."))
    p.add_argument("--model", default="default")
    p.add_argument("--version", default="latest", help="a number, latest or stable")
    p.add_argument("--inputs", help="JSON array of inputs to predict")
    p.add_argument("--out", help="where to write the predictions (default: stdout)")
    p.add_argument("--save", help="also write the verified ONNX model here")
    args = p.parse_args(argv)

    try:
        manifest = find_manifest(args.bootstrap, args.topic_prefix, args.model, args.version)
        onnx_bytes = rebuild(args.bootstrap, args.topic_prefix, manifest)
    except ArtifactMismatch as e:
        print(f"model_consumer: {e}", file=sys.stderr)
        return 3
    except (LookupError, RuntimeError, ValueError) as e:
        print(f"model_consumer: {e}", file=sys.stderr)
        return 1
    print(f"model_consumer: model {manifest['model']} version {manifest['version']}: {len(onnx_bytes)} bytes of ONNX, "
          f"SHA-256 verified", file=sys.stderr)
    if args.save:
        tmp = args.save + ".part"
        with open(tmp, "wb") as f:
            f.write(onnx_bytes)
        os.replace(tmp, args.save)
    if args.inputs:
        with open(args.inputs, encoding="utf-8") as f:
            inputs = json.load(f)
        probabilities, labels = predict(onnx_bytes, inputs)
        result = {"model": manifest["model"], "version": manifest["version"], "labels": labels,
                  "probabilities": probabilities.tolist(), "classes": probabilities.argmax(axis=1).tolist()}
        text = json.dumps(result)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
