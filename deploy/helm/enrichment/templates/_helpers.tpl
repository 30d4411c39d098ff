{{/* Names, labels and the environment the apps share. */}}

{{- define "enrich.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The name of one app's objects: (dict "root" $ "app" "worker") */}}
{{- define "enrich.name" -}}
{{- printf "%s-%s" (include "enrich.fullname" .root) .app -}}
{{- end -}}

{{- define "enrich.selectorLabels" -}}
app.kubernetes.io/name: {{ .app }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "enrich.labels" -}}
{{ include "enrich.selectorLabels" . }}
app.kubernetes.io/part-of: enrichment
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "enrich.image" -}}
{{- $image := .root.Values.image -}}
{{- printf "%s%s%s:%s" $image.registry $image.repositoryPrefix .app ($image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "enrich.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "enrich.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* Pod-level settings every app shares (a hook Job runs before the chart's service account exists: "serviceAccount" "default"). */}}
{{- define "enrich.podSpec" -}}
serviceAccountName: {{ .serviceAccount | default (include "enrich.serviceAccountName" .root) }}
automountServiceAccountToken: false
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  fsGroup: 1000
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "enrich.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* Where Prometheus scrapes a pod: (dict "root" $ "port" 9464) */}}
{{- define "enrich.podAnnotations" -}}
{{- if .root.Values.metrics.podAnnotations -}}
annotations:
  prometheus.io/scrape: "true"
  prometheus.io/port: {{ .port | quote }}
  prometheus.io/path: /metrics
{{- end -}}
{{- end -}}

{{/* TEMPORAL_* (with the API key from its Secret and the mTLS files) */}}
{{- define "enrich.temporalEnv" -}}
{{- $t := .Values.temporal -}}
- name: TEMPORAL_ADDRESS
  value: {{ $t.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $t.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ $t.taskQueue | quote }}
{{- if $t.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $t.apiKey.existingSecret }}
      key: {{ $t.apiKey.key }}
{{- end }}
{{- if $t.mtls.existingSecret }}
- name: TEMPORAL_TLS_CERT_PATH
  value: /etc/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY_PATH
  value: /etc/temporal-tls/tls.key
{{- end }}
{{- end -}}

{{/* /tmp (the root filesystem is read-only) and the Temporal client certificate. */}}
{{- define "enrich.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.mtls.existingSecret }}
- name: temporal-tls
  mountPath: /etc/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "enrich.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.temporal.mtls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.mtls.existingSecret }}
    defaultMode: 0400
{{- end }}
{{- end -}}

{{/* The payload codec: CODEC_* / KMS_* / AWS_REGION */}}
{{- define "enrich.codecEnv" -}}
{{- $c := .Values.codec -}}
- name: CODEC_KEY_PROVIDER
  value: {{ $c.keyProvider | quote }}
- name: KMS_KEY_ID
  value: {{ required "codec.kmsKeyId is required" $c.kmsKeyId | quote }}
{{- with $c.kmsDecryptKeyIds }}
- name: KMS_DECRYPT_KEY_IDS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $c.kmsEndpoint }}
- name: KMS_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: AWS_REGION
  value: {{ $c.awsRegion | quote }}
{{- end -}}

{{- define "enrich.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required" .Values.database.existingSecret }}
      key: {{ .Values.database.key }}
- name: DATABASE_POOL_SIZE
  value: {{ .Values.database.poolSize | quote }}
{{- end -}}

{{- define "enrich.blobEnv" -}}
- name: BLOB_S3_BUCKET
  value: {{ required "blobStore.s3Bucket is required: gateways and workers share uploads through it" .Values.blobStore.s3Bucket | quote }}
{{- with .Values.blobStore.s3Prefix }}
- name: BLOB_S3_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- with .Values.blobStore.s3Endpoint }}
- name: BLOB_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* LOG_LEVEL, then an app's own `env` map (name: value). */}}
{{- define "enrich.extraEnv" -}}
- name: LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- range $name, $value := .env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* An HTTP probe pair on a port: liveness /health, readiness /ready. */}}
{{- define "enrich.probes" -}}
livenessProbe:
  httpGet:
    path: /health
    port: {{ .port }}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /ready
    port: {{ .port }}
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/*
One app's Deployment:
  (dict "root" $ "app" "worker" "values" $.Values.worker "port" 9464 "portName" "ops"
        "shared" (list "temporal" "codec" "database" "blob") "appEnv" (dict "NAME" "value")
        "volumes" (list ...) "volumeMounts" (list ...))
`shared` picks the environment parts above; `appEnv` entries with an empty value are left out;
without `port` the pod has no probes and no scrape annotations; `autoscaled` leaves `replicas` to
the autoscaler.
*/}}
{{- define "enrich.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "enrich.name" . }}
  labels:
    {{- include "enrich.labels" . | nindent 4 }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ $v.replicas | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "enrich.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "enrich.labels" . | nindent 8 }}
      {{- if .port }}
      {{- include "enrich.podAnnotations" (dict "root" $root "port" .port) | nindent 6 }}
      {{- end }}
    spec:
      {{- include "enrich.podSpec" . | nindent 6 }}
      {{- with $v.terminationGracePeriodSeconds }}
      terminationGracePeriodSeconds: {{ . }}
      {{- end }}
      containers:
        - name: {{ .app }}
          image: {{ include "enrich.image" . }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- if .port }}
          ports:
            - name: {{ .portName }}
              containerPort: {{ .port }}
          {{- end }}
          env:
            {{- range .shared }}
            {{- include (printf "enrich.%sEnv" .) $root | nindent 12 }}
            {{- end }}
            {{- range $name, $value := .appEnv }}
            {{- if $value }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
            {{- end }}
            {{- include "enrich.extraEnv" (dict "root" $root "env" $v.env) | nindent 12 }}
          {{- if .port }}
          {{- include "enrich.probes" (dict "port" .portName) | nindent 10 }}
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          {{- include "enrich.containerSecurity" . | nindent 10 }}
          volumeMounts:
            {{- include "enrich.volumeMounts" $root | nindent 12 }}
            {{- with .volumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "enrich.volumes" $root | nindent 8 }}
        {{- with .volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end -}}

{{/* A ClusterIP Service in front of an app's port: (dict "root" $ "app" "api-gateway" "port" 80 "portName" "http" "type" "ClusterIP") */}}
{{- define "enrich.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "enrich.name" . }}
  labels:
    {{- include "enrich.labels" . | nindent 4 }}
spec:
  type: {{ .type | default "ClusterIP" }}
  selector:
    {{- include "enrich.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ .portName }}
      port: {{ .port }}
      targetPort: {{ .portName }}
{{- end -}}

{{/* At most one pod of an app down at a time during voluntary disruptions (drains, upgrades). */}}
{{- define "enrich.pdb" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "enrich.name" . }}
  labels:
    {{- include "enrich.labels" . | nindent 4 }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "enrich.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* The codec server's static tokens (CODEC_AUTH_TOKENS) from the Secret's key `tokens`. */}}
{{- define "enrich.codecAuthEnv" -}}
{{- with .Values.codecServer.auth.tokensSecret }}
- name: CODEC_AUTH_TOKENS
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: tokens
{{- end }}
{{- end -}}

{{/* The stream consumer's Kafka settings. */}}
{{- define "enrich.kafkaEnv" -}}
{{- $s := .Values.streamConsumer -}}
- name: KAFKA_BROKERS
  value: {{ required "streamConsumer.kafkaBrokers is required (host:port, comma separated)" $s.kafkaBrokers | quote }}
- name: KAFKA_GROUP_ID
  value: {{ $s.groupId | quote }}
- name: PAYMENTS_TOPIC
  value: {{ $s.topic | quote }}
- name: PAYMENTS_DLQ_TOPIC
  value: {{ $s.dlqTopic | quote }}
{{- end -}}
