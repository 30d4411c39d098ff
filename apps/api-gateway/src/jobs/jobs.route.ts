import { Router } from 'express';
import { pipeline } from 'node:stream/promises';
import type { JobsService, JobView } from './jobs.service';
import { exportQuery, jobIdParams, resultsQuery, submitTuning } from './jobs.schemas';
import { receiveUpload } from './upload';

/** Thin HTTP layer over {@link JobsService}: parse, call, shape. */
export function jobsRouter(service: JobsService, maxUploadBytes: number): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const upload = await receiveUpload(req, maxUploadBytes);
    const tuning = parseTuning(upload.fields, () => upload.file.resume());
    const job = await service.submit(upload, upload.fields['fields'], tuning);
    res.status(202).location(`/v1/jobs/${job.id}`).json(present(job));
  });

  router.get('/:id', async (req, res) => {
    const { id } = jobIdParams.parse(req.params);
    res.json(present(await service.get(id)));
  });

  router.get('/:id/results', async (req, res) => {
    const { id } = jobIdParams.parse(req.params);
    const { after, limit } = resultsQuery.parse(req.query);
    res.json(await service.results(id, after, limit));
  });

  router.get('/:id/results.csv', async (req, res) => {
    const { id } = jobIdParams.parse(req.params);
    const { formulas, bom } = exportQuery.parse(req.query);
    const download = await service.resultsCsv(id, { neutraliseFormulas: formulas === 'neutralise', bom });
    res.status(200).type('text/csv; charset=utf-8').attachment(download.filename);
    // Backpressure end to end: a page of rows is read only when the client has taken the last one.
    await pipeline(download.body, res).catch((error: unknown) => {
      // A client that hangs up mid-download is not an error of ours; the reads stop with the stream.
      if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
    });
  });

  router.post('/:id/pause', async (req, res) => {
    const { id } = jobIdParams.parse(req.params);
    // Accepted: pages in flight still finish; no new page starts.
    res.status(202).json(present(await service.pause(id)));
  });

  router.post('/:id/resume', async (req, res) => {
    const { id } = jobIdParams.parse(req.params);
    res.json(present(await service.resume(id)));
  });

  router.post('/:id/cancel', async (req, res) => {
    const { id } = jobIdParams.parse(req.params);
    // Accepted: the job turns CANCELLED once the pages in flight have stopped at a chunk boundary.
    res.status(202).json(present(await service.cancel(id)));
  });

  return router;
}

/** Parses the tuning parameters; on a bad value the upload is drained before the 400 goes out. */
function parseTuning(fields: Record<string, string>, drain: () => void) {
  const parsed = submitTuning.safeParse(fields);
  if (parsed.success) return parsed.data;
  drain();
  throw parsed.error;
}

function present(job: JobView) {
  return { ...job, links: { self: `/v1/jobs/${job.id}`, results: `/v1/jobs/${job.id}/results`, resultsCsv: `/v1/jobs/${job.id}/results.csv` } };
}
