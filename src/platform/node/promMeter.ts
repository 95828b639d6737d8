/**
 * The client's meters as Prometheus metrics in a prom-client registry (the caller's, so they sit
 * beside its own and its default process metrics). Names are fixed (docs/operations.md lists
 * them, dashboards and alerts are written against them); labels are a few fixed words, never a
 * path, a name or a token. Clients given the same registry share its metrics (added up), as
 * several clients of one process should be seen. prom-client is loaded only when a registry is
 * given (about 30 ms).
 */
import type { Registry } from "prom-client";
import { BoxInputError } from "../../core/errors";
import type { Meter } from "../../core/meter";

/** The seconds a request may wait for Box's limits: a few ms when paced evenly, up to a minute or more after a 429. */
const WAIT_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The metric named `name` in `registry`, made once: a second client on the same registry shares it. */
function once<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function isRegistry(value: unknown): value is Registry {
  const r = value as Registry | null;
  return typeof r?.getSingleMetric === "function" && typeof r.registerMetric === "function" && typeof r.metrics === "function";
}

export function promMeter(registry: Registry): Meter {
  if (!isRegistry(registry)) throw new BoxInputError("metrics", "must be a prom-client Registry");
  const { Counter, Gauge, Histogram } = require("prom-client") as typeof import("prom-client");
  const registers = [registry];
  const requests = once(registry, "box_upload_requests_total", () => new Counter({ name: "box_upload_requests_total", help: "Requests to Box by kind (upload: file uploads and session creations; call: every other API call) and HTTP status (error: no answer).", labelNames: ["kind", "status"] as const, registers }));
  const limited = once(registry, "box_upload_rate_limited_total", () => new Counter({ name: "box_upload_rate_limited_total", help: "Requests Box answered with 429 (rate limited), by kind.", labelNames: ["kind"] as const, registers }));
  const retries = once(registry, "box_upload_retries_total", () => new Counter({ name: "box_upload_retries_total", help: "Tries again after a failure (of a part, a call, or a whole file).", registers }));
  const waits = once(registry, "box_upload_pacer_wait_seconds", () => new Histogram({ name: "box_upload_pacer_wait_seconds", help: "Time requests waited for their turn under Box's per-user limits.", buckets: WAIT_BUCKETS, registers }));
  const parts = once(registry, "box_upload_parts_in_flight", () => new Gauge({ name: "box_upload_parts_in_flight", help: "Part uploads in flight.", registers }));
  const files = once(registry, "box_upload_files_in_flight", () => new Gauge({ name: "box_upload_files_in_flight", help: "Files being checked or sent.", registers }));
  const results = once(registry, "box_upload_files_total", () => new Counter({ name: "box_upload_files_total", help: "Files settled by result (deleted and moved count Box items, as the summary does).", labelNames: ["result"] as const, registers }));
  const sent = once(registry, "box_upload_file_bytes_sent_total", () => new Counter({ name: "box_upload_file_bytes_sent_total", help: "File bytes sent to Box: each byte of a file once per run, a part sent again not counted again; no headers.", registers }));
  const planned = once(registry, "box_upload_bytes_planned_total", () => new Counter({ name: "box_upload_bytes_planned_total", help: "File bytes not sent because Box already held them (the upload plan's hits).", registers }));
  return {
    request: (kind, status) => {
      requests.inc({ kind, status });
      if (status === "429") limited.inc({ kind });
    },
    paced: (seconds) => waits.observe(seconds),
    retried: () => retries.inc(),
    parts: (delta) => parts.inc(delta),
    files: (delta) => files.inc(delta),
    settled: (result, items) => results.inc({ result }, items),
    bytesSent: (bytes) => sent.inc(bytes),
    bytesPlanned: (bytes) => planned.inc(bytes),
  };
}
