-- A video is stored once per format (mp4, webp, gif): the format joins an output's identity.
DROP INDEX "JobOutput_jobId_stageIndex_index_kind_key";

CREATE UNIQUE INDEX "JobOutput_jobId_stageIndex_index_kind_format_key" ON "JobOutput"("jobId", "stageIndex", "index", "kind", "format");
