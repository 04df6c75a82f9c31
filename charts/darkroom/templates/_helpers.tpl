{{/* Names: the usual Helm conventions, 63 characters at most. */}}
{{- define "darkroom.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "darkroom.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* (dict "root" $ "component" "api" ["pool" "l4"]) */}}
{{- define "darkroom.selectorLabels" -}}
app.kubernetes.io/name: {{ include "darkroom.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- if .pool }}
darkroom.io/pool: {{ .pool }}
{{- end }}
{{- end }}

{{- define "darkroom.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "darkroom.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: darkroom
{{- end }}

{{/* Labels every pod of the release carries (NetworkPolicies select on them). */}}
{{- define "darkroom.releaseSelector" -}}
app.kubernetes.io/name: {{ include "darkroom.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* (dict "root" $ "repository" "darkroom-api") → registry/repository:tag */}}
{{- define "darkroom.image" -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .repository (default .root.Chart.AppVersion .root.Values.image.tag | toString) }}
{{- end }}

{{- define "darkroom.secretName" -}}
{{- default (printf "%s-env" (include "darkroom.fullname" .)) .Values.secrets.existingSecret }}
{{- end }}

{{- define "darkroom.serviceAccountName" -}}
{{- printf "%s-%s" (include "darkroom.fullname" .root) .component }}
{{- end }}

{{/* POOLS as every process reads it: "l4=SD1,SD2;a100=SDXL". */}}
{{- define "darkroom.pools" -}}
{{- $parts := list }}
{{- range .Values.workers }}
{{- $parts = append $parts (printf "%s=%s" .name (join "," .families)) }}
{{- end }}
{{- join ";" $parts }}
{{- end }}

{{- define "darkroom.publicBaseUrl" -}}
{{- if .Values.config.PUBLIC_BASE_URL }}
{{- .Values.config.PUBLIC_BASE_URL }}
{{- else if and .Values.ingress.enabled .Values.ingress.api.host }}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.api.host }}
{{- else }}
{{- required "config.PUBLIC_BASE_URL is required when the ingress does not publish the API" "" }}
{{- end }}
{{- end }}

{{/* An env value as a string; YAML numbers arrive as floats, so whole numbers are printed without exponent. */}}
{{- define "darkroom.envValue" -}}
{{- if kindIs "float64" . }}
{{- if eq (float64 (int64 .)) . }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/* The ConfigMap's data: values' config plus what the chart decides. */}}
{{- define "darkroom.configData" -}}
{{- $data := dict }}
{{- range $k, $v := .Values.config }}
{{- $_ := set $data $k (include "darkroom.envValue" $v) }}
{{- end }}
{{- $_ := set $data "PUBLIC_BASE_URL" (include "darkroom.publicBaseUrl" .) }}
{{- $_ := set $data "POOLS" (include "darkroom.pools" .) }}
{{- $_ := set $data "STORAGE_DIR" .Values.persistence.storage.mountPath }}
{{- $_ := set $data "MODELS_DIR" .Values.persistence.models.mountPath }}
{{- toYaml $data }}
{{- end }}

{{/* A map of env as a container env list: (dict "env" map) */}}
{{- define "darkroom.envList" -}}
{{- range $k, $v := .env }}
- name: {{ $k }}
  value: {{ include "darkroom.envValue" $v | quote }}
{{- end }}
{{- end }}

{{- define "darkroom.envFrom" -}}
- configMapRef:
    name: {{ include "darkroom.fullname" . }}-config
- secretRef:
    name: {{ include "darkroom.secretName" . }}
{{- end }}

{{/* A pod's checksum annotations, so that a config change rolls the pods. */}}
{{- define "darkroom.checksums" -}}
checksum/config: {{ include "darkroom.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ printf "%s|%s|%s" .Values.secrets.databaseUrl .Values.secrets.redisUrl .Values.secrets.urlSigningSecret | sha256sum }}
{{- end }}
{{- end }}

{{/* (dict "root" $ "name" "storage") → the volume of persistence.<name> */}}
{{- define "darkroom.persistentVolume" -}}
{{- $p := index .root.Values.persistence .name }}
- name: {{ .name }}
{{- if eq $p.type "emptyDir" }}
  emptyDir: {}
{{- else }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-%s" (include "darkroom.fullname" .root) .name) $p.existingClaim }}
{{- end }}
{{- end }}

{{/* A worker pool with the defaults filled in: (dict "pool" . "defaults" $.Values.workerDefaults) → YAML */}}
{{- define "darkroom.workerPool" -}}
{{- $pool := deepCopy .pool }}
{{- range $k, $v := .defaults }}
{{- if not (hasKey $pool $k) }}
{{- $_ := set $pool $k $v }}
{{- end }}
{{- end }}
{{- toYaml $pool }}
{{- end }}

{{- define "darkroom.workerImage" -}}
{{- if .pool.image }}
{{- .pool.image }}
{{- else }}
{{- $repo := ternary .root.Values.image.repositories.workerCuda .root.Values.image.repositories.worker (eq .pool.executionProvider "cuda") }}
{{- include "darkroom.image" (dict "root" .root "repository" $repo) }}
{{- end }}
{{- end }}

{{- define "darkroom.podSecurity" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* nodeSelector / tolerations / affinity of one component's values */}}
{{- define "darkroom.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
