-- CreateEnum
CREATE TYPE "ModelStatus" AS ENUM ('PENDING_UPLOAD', 'UPLOADING', 'READY');

-- CreateEnum
CREATE TYPE "DisputeStatus" AS ENUM ('OPEN', 'WON', 'LOST');

-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "status" "ModelStatus" NOT NULL DEFAULT 'READY',
ADD COLUMN     "uploadBytes" BIGINT,
ADD COLUMN     "uploadExpiresAt" TIMESTAMP(3),
ADD COLUMN     "uploadError" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "fileBytes" BIGINT,
ADD COLUMN     "uploadedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "disputeId" TEXT,
ADD COLUMN     "disputeStatus" "DisputeStatus",
ADD COLUMN     "disputedCredits" DECIMAL(20,4) NOT NULL DEFAULT 0;

-- CreateIndex
CREATE UNIQUE INDEX "Payment_disputeId_key" ON "Payment"("disputeId");
