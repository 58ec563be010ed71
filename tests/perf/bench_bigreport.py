"""Big report end to end: a 100,000-row table template through the queue, against the renderers alone.

  queue      job_submit -> one RQ worker -> succeeded (PDF + XLSX), created_at -> finished_at
  baseline   the same rows rendered by PdfRenderer and XlsxRenderer, one after the other, in a
             fresh process (what bench_pdf and bench_xlsx time), before and after the queue run: best of 2
  ratio      queue / baseline (goal <= 1.2): what aggregation, processing, storing and bookkeeping add
  horse_peak_rss_mb  the work horse's peak RSS (VmHWM, polled from /proc; goal <= 300 MB)

    python -m config.embedded_redis -- .venv/bin/python tests/perf/bench_bigreport.py [--rows 100000]

The last line is JSON.
"""
from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.queue_bench import prepare_environment, rq_workers, setup_django, wait_until_final  # noqa: E402


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _vm_hwm_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class HorseWatch:
    """The highest VmHWM of any work horse (a child of a worker) seen while polling."""

    def __init__(self, workers: list[subprocess.Popen]):
        self.workers = workers
        self.peak_mb = 0.0
        self.worker_mb = 0.0

    def poll(self) -> None:
        for worker in self.workers:
            self.worker_mb = max(self.worker_mb, _vm_hwm_mb(worker.pid))
            for horse in _children(worker.pid):
                self.peak_mb = max(self.peak_mb, _vm_hwm_mb(horse))


def _render_both(rows_count: int) -> None:
    """The baseline child: the rows rendered by PdfRenderer then XlsxRenderer, timings as JSON."""
    from reporting.pipeline.rendering.pdf import PdfRenderer
    from reporting.pipeline.rendering.xlsx import XlsxRenderer
    from tests.reporting.pipeline.rendering.factories_pdf import build_report_context, table_rows, table_spec

    context = build_report_context(spec=table_spec(), data={"rows": table_rows(rows_count)}, title="Big report")
    timings = []
    for renderer in (PdfRenderer(), XlsxRenderer()):
        gc.collect()
        with tempfile.TemporaryFile() as out:
            t0 = time.perf_counter()
            renderer.render(context, out)
            timings.append(time.perf_counter() - t0)
    print(json.dumps({"pdf_s": timings[0], "xlsx_s": timings[1]}))


def _baseline(rows_count: int) -> tuple[float, float]:
    """In a fresh process, as the work horse is one: this one's heap (the rows, the template's
    data, Django) would slow the renderers' garbage collection and flatter the queue."""
    out = subprocess.run([sys.executable, __file__, "--rows", str(rows_count), "--baseline-child"],
                         capture_output=True, text=True, check=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    return figures["pdf_s"], figures["xlsx_s"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--baseline-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        _render_both(args.rows)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="qms-bench-bigreport-"))
    env = prepare_environment(workdir)
    setup_django()
    from reporting.models import ReportArtifact, ReportJob
    from reporting.services import job_submit
    from tests.factories import StaticSourceFactory, published_template
    from tests.reporting.pipeline.rendering.factories_pdf import table_rows, table_spec

    rows = table_rows(args.rows)
    source = StaticSourceFactory(static_data={"rows": rows})
    spec = table_spec(rows_path=f"{source.name}.rows")
    spec.update({"title": "Big report", "parameters": [], "sources": [{"source": source.name, "required": True}],
                 "processors": [], "outputs": ["pdf", "xlsx"]})
    template = published_template(spec=spec)
    print(f"bigreport: {args.rows:,} rows x 5 columns, PDF + XLSX; workdir {workdir}", flush=True)

    del rows
    gc.collect()
    before = _baseline(args.rows)
    print(f"baseline (fresh process): PDF {before[0]:.2f} s + XLSX {before[1]:.2f} s", flush=True)

    with rq_workers(1, env, workdir) as workers:
        watch = HorseWatch(workers)
        time.sleep(2)  # the worker loads the pipeline before its first fork, as a running deployment has
        job_id = job_submit(template=template, user=None, parameters={}).pk
        wait_until_final([job_id], args.timeout, on_poll=watch.poll)
    # Again after the queue run, best of the two: the machine is shared and its load drifts.
    after = _baseline(args.rows)
    print(f"baseline (fresh process): PDF {after[0]:.2f} s + XLSX {after[1]:.2f} s", flush=True)
    pdf_s, xlsx_s = min(before[0], after[0]), min(before[1], after[1])
    baseline_s = pdf_s + xlsx_s
    job = ReportJob.objects.get(pk=job_id)
    assert job.status == ReportJob.Status.SUCCEEDED, f"{job.status}: {job.error_message}"
    queue_s = (job.finished_at - job.created_at).total_seconds()
    sizes = dict(ReportArtifact.objects.filter(job=job).values_list("format", "size"))
    ratio = queue_s / baseline_s
    print(f"through the queue: {queue_s:.2f} s submit->succeeded; ratio {ratio:.2f} (goal <= 1.2); "
          f"work horse peak RSS {watch.peak_mb:.0f} MB (goal <= 300; worker before fork {watch.worker_mb:.0f} MB); "
          f"files {', '.join(f'{k} {v / 1e6:.1f} MB' for k, v in sorted(sizes.items()))}")
    print(json.dumps({
        "bench": "bigreport", "rows": args.rows, "queue_s": round(queue_s, 2), "baseline_pdf_s": round(pdf_s, 2),
        "baseline_xlsx_s": round(xlsx_s, 2), "baseline_s": round(baseline_s, 2), "ratio": round(ratio, 3),
        "horse_peak_rss_mb": round(watch.peak_mb, 1), "worker_rss_mb": round(watch.worker_mb, 1),
        "pdf_bytes": sizes.get("pdf"), "xlsx_bytes": sizes.get("xlsx"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
