#!/usr/bin/env python3
"""Send Engram records to engram.examples with confluent-kafka, as JSON or as Avro.

Records come one JSON object a line (a file or stdin), in the form of schemas/example.schema.json
and control.schema.json. With --format avro each is written as Avro binary of schemas/example.avsc
(fastavro) and sent with the header content-type: application/avro; JSON is sent as is. The key is
the model id, so all records of a model stay in order on one partition.

    ./producer.py --bootstrap 127.0.0.1:9092 --model fraud --format avro < records.jsonl
    ./producer.py --file records.jsonl                     # JSON, model "default"
"""
import argparse
import io
import json
import os
import sys

from confluent_kafka import Producer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "schemas", "example.avsc")


def avro_encoder(schema_path):
    """A function from a record (dict) to Avro binary of the schema (no container, no registry header)."""
    import fastavro

    with open(schema_path, encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    fields = {field["name"] for field in schema["fields"]}

    def encode(record):
        unknown = set(record) - fields
        if unknown:
            raise ValueError(f"schemas/example.avsc has no field(s) {sorted(unknown)}; its fields: {sorted(fields)}")
        full = {name: record.get(name) for name in fields}
        full["type"] = record.get("type", "example")
        if full["y"] is not None and not isinstance(full["y"], int):
            raise ValueError(f'"y" must be an integer, found {full["y"]!r}')
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema, full)
        return out.getvalue()

    return encode


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap", default=os.environ.get("ENGRAM_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    p.add_argument("--topic", default=os.environ.get("ENGRAM_TOPIC_PREFIX", "engram.") + "examples")
    p.add_argument("--model", default="default", help="the record key: the model id")
    p.add_argument("--format", choices=["json", "avro"], default="json")
    p.add_argument("--schema", default=DEFAULT_SCHEMA, help="the Avro schema (default: schemas/example.avsc)")
    p.add_argument("--file", help="one JSON record a line (default: stdin)")
    args = p.parse_args(argv)

    encode = avro_encoder(args.schema) if args.format == "avro" else None
    headers = [("content-type", b"application/avro")] if encode else None
    producer = Producer({"bootstrap.servers": args.bootstrap, "enable.idempotence": True, "linger.ms": 20})
    failures = []

    def delivered(err, _msg):
        if err is not None:
            failures.append(str(err))

    source = open(args.file, encoding="utf-8") if args.file else sys.stdin
    sent = 0
    with source:
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                value = encode(record) if encode else line.strip().encode("utf-8")
            except ValueError as e:
                print(f"producer: line {number} is not a record: {e}", file=sys.stderr)
                return 2
            while True:
                try:
                    producer.produce(args.topic, key=args.model.encode("utf-8"), value=value, headers=headers,
                                     on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.1)
            producer.poll(0)
            sent += 1
    left = producer.flush(60)
    if left or failures:
        print(f"producer: {left} records undelivered, {len(failures)} failed: {failures[:3]}", file=sys.stderr)
        return 1
    print(f"producer: sent {sent} records ({args.format}) to {args.topic} at {args.bootstrap}, key {args.model}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
