import { Router } from 'express';
import type { JobSummary } from '@enrich/db';
import type { JobsService, JobView } from './jobs.service';
import { jobIdParams, resultsQuery } from './jobs.schemas';
import { receiveUpload } from './upload';

/** Thin HTTP layer over {@link JobsService}: parse, call, shape. */
export function jobsRouter(service: JobsService, maxUploadBytes: number): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const upload = await receiveUpload(req, maxUploadBytes);
    const job = await service.submit(upload.file, upload.filename, upload.fields['fields']);
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

  return router;
}

function present(job: JobSummary | JobView) {
  return { ...job, links: { self: `/v1/jobs/${job.id}`, results: `/v1/jobs/${job.id}/results` } };
}
