-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('PENDING', 'PAID', 'PARTIALLY_REFUNDED', 'REFUNDED', 'DISPUTED');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "LedgerKind" ADD VALUE 'REVENUE_SHARE';
ALTER TYPE "LedgerKind" ADD VALUE 'PAYMENT_REVERSAL';

-- AlterTable
ALTER TABLE "LedgerEntry" ADD COLUMN     "actor" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "ModelAccessKey" ADD COLUMN     "feePerJob" DECIMAL(20,4) NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "maxConcurrentJobs" INTEGER;

-- CreateTable
CREATE TABLE "CreditLot" (
    "id" BIGSERIAL NOT NULL,
    "tenantId" UUID NOT NULL,
    "ledgerEntryId" BIGINT NOT NULL,
    "amount" DECIMAL(20,4) NOT NULL,
    "remaining" DECIMAL(20,4) NOT NULL,
    "expired" DECIMAL(20,4) NOT NULL DEFAULT 0,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CreditLot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CreditLotUse" (
    "ledgerEntryId" BIGINT NOT NULL,
    "lotId" BIGINT NOT NULL,
    "amount" DECIMAL(20,4) NOT NULL,

    CONSTRAINT "CreditLotUse_pkey" PRIMARY KEY ("ledgerEntryId","lotId")
);

-- CreateTable
CREATE TABLE "PriceTableVersion" (
    "version" TEXT NOT NULL,
    "seq" SERIAL NOT NULL,
    "table" JSONB NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "actor" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PriceTableVersion_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" UUID NOT NULL,
    "tenantId" UUID NOT NULL,
    "checkoutSessionId" TEXT NOT NULL,
    "paymentIntentId" TEXT,
    "pack" TEXT NOT NULL,
    "credits" DECIMAL(20,4) NOT NULL,
    "amountTotal" INTEGER,
    "currency" TEXT,
    "status" "PaymentStatus" NOT NULL DEFAULT 'PENDING',
    "reversedCredits" DECIMAL(20,4) NOT NULL DEFAULT 0,
    "flagged" BOOLEAN NOT NULL DEFAULT false,
    "flagReason" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "paidAt" TIMESTAMP(3),

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StripeEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "outcome" TEXT NOT NULL DEFAULT '',
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StripeEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobAccessFee" (
    "jobId" BIGINT NOT NULL,
    "keyId" UUID NOT NULL,
    "ownerTenantId" UUID NOT NULL,
    "credits" DECIMAL(20,4) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobAccessFee_pkey" PRIMARY KEY ("jobId","keyId")
);

-- CreateIndex
CREATE UNIQUE INDEX "CreditLot_ledgerEntryId_key" ON "CreditLot"("ledgerEntryId");

-- CreateIndex
CREATE INDEX "CreditLot_tenantId_expiresAt_idx" ON "CreditLot"("tenantId", "expiresAt");

-- CreateIndex
CREATE INDEX "CreditLot_expiresAt_idx" ON "CreditLot"("expiresAt");

-- CreateIndex
CREATE INDEX "CreditLotUse_lotId_idx" ON "CreditLotUse"("lotId");

-- CreateIndex
CREATE UNIQUE INDEX "PriceTableVersion_seq_key" ON "PriceTableVersion"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_checkoutSessionId_key" ON "Payment"("checkoutSessionId");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_paymentIntentId_key" ON "Payment"("paymentIntentId");

-- CreateIndex
CREATE INDEX "Payment_tenantId_createdAt_idx" ON "Payment"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "Payment_flagged_idx" ON "Payment"("flagged");

-- CreateIndex
CREATE INDEX "Job_tenantId_status_idx" ON "Job"("tenantId", "status");

-- AddForeignKey
ALTER TABLE "CreditLot" ADD CONSTRAINT "CreditLot_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CreditLotUse" ADD CONSTRAINT "CreditLotUse_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "CreditLot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "JobAccessFee" ADD CONSTRAINT "JobAccessFee_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- The first price table: the rates that were in code before pricing moved to the database.
INSERT INTO "PriceTableVersion" ("version", "table", "reason", "actor")
VALUES ('v1', '{"basePer512Image20Steps":0.2,"controlNetUnitFactor":0.25,"modelUpscalePerMegapixel":0.02,"minimumPerJob":0.01,"planMultipliers":{}}', 'initial prices', 'migration');
