#!/usr/bin/env python3
"""Markdown tables for BENCHMARKS.md from the JSON files of `./engram bench compare` (target/bench/)."""
import json
import statistics
import sys
from pathlib import Path

folder = Path(sys.argv[1] if len(sys.argv) > 1 else "target/bench")


def load(name):
    path = folder / name
    return json.loads(path.read_text()) if path.exists() else []


def median_rate(results, label):
    rates = [r["examples_per_second"] for r in results if r["label"] == label]
    return (statistics.median(rates), len(rates)) if rates else (None, 0)


engram_t, torch_t = load("engram-throughput.json"), load("torch-throughput.json")
if engram_t:
    print("| configuration | Engram examples/s | PyTorch examples/s | ratio |")
    print("|---|---:|---:|---:|")
    for label in dict.fromkeys(r["label"] for r in engram_t):
        e, n = median_rate(engram_t, label)
        t, m = median_rate(torch_t, label)
        ratio = f"{e / t:.2f}x" if t else "n/a"
        print(f"| {label} | {e:,.0f} (median of {n}) | {t:,.0f} (median of {m}) | {ratio} |" if t else
              f"| {label} | {e:,.0f} (median of {n}) | not run | n/a |")
    print()

engram_p, torch_p = load("engram-protocol.json"), load("torch-protocol.json")
torch_by_label = {r["label"]: r for r in torch_p}


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


if engram_p:
    print("| method/buffer | impl | ACC | LA | BWT | FWT | forgetting | train s | examples/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in engram_p:
        rows = [("Engram", r)]
        if r["label"] in torch_by_label:
            rows.append(("PyTorch", torch_by_label[r["label"]]))
        for impl, x in rows:
            print(f"| {r['label']} | {impl} | {fmt(x.get('acc'))} | {fmt(x.get('la'))} | {fmt(x.get('bwt'))} | "
                  f"{fmt(x.get('fwt'))} | {fmt(x.get('forgetting'))} | {x['train_seconds']:.1f} | {x['examples_per_second']:,.0f} |")
