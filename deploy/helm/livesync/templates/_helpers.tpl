{{/* The namespace holding the livesync objects and their Secrets (the operator's --namespace). */}}
{{- define "livesync.watchNamespace" -}}
{{- .Values.watchNamespace | default .Release.Namespace -}}
{{- end }}

{{- define "livesync.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end }}

{{/* The JetStream URL every component connects to. */}}
{{- define "livesync.natsUrl" -}}
{{- if and .Values.nats.deploy .Values.nats.serviceIP -}}
{{- printf "nats://%s:4222" .Values.nats.serviceIP -}}
{{- else if and .Values.nats.deploy (gt (int .Values.nats.replicas) 1) -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.nats.replicas) -}}
{{- $urls = append $urls (printf "nats://livesync-nats-%d.livesync-nats.%s.svc:4222" $i $.Release.Namespace) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else if .Values.nats.deploy -}}
{{- printf "nats://livesync-nats.%s.svc:4222" .Release.Namespace -}}
{{- else -}}
{{- required "nats.url is required (or set nats.deploy=true): the components share one JetStream" .Values.nats.url -}}
{{- end -}}
{{- end }}

{{/* The cluster routes of the deployed NATS: every pod of the StatefulSet. */}}
{{- define "livesync.natsRoutes" -}}
{{- $routes := list -}}
{{- range $i := until (int .Values.nats.replicas) -}}
{{- $routes = append $routes (printf "nats://livesync-nats-%d.livesync-nats.%s.svc:6222" $i $.Release.Namespace) -}}
{{- end -}}
{{- join "," $routes -}}
{{- end }}

{{/*
The components, one Deployment each. `component` is the --components value and the
app.kubernetes.io/component label; `values` is the key of its settings in values.yaml.
*/}}
{{- define "livesync.components" -}}
- { name: operator, component: controller, values: operator, leaderElect: true }
- { name: events-listener, component: events-listener, values: eventsListener }
- { name: synchronizer, component: synchronizer, values: synchronizer }
- { name: archiver, component: archiver, values: archiver }
{{- end }}

{{/* Labels of every object; pass (dict "ctx" $ "component" "...") for a component's. */}}
{{- define "livesync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: livesync
{{ include "livesync.selectorLabels" . }}
{{- end }}

{{- define "livesync.selectorLabels" -}}
app.kubernetes.io/name: livesync
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* The NATS users, one per component (--components value); their permissions are in files/. */}}
{{- define "livesync.natsRoles" -}}
- controller
- events-listener
- synchronizer
- archiver
{{- end }}

{{/* The Secret holding a component's NATS password (key `password`), or "" without auth. */}}
{{- define "livesync.natsPasswordSecret" -}}
{{- $existing := index (.ctx.Values.nats.auth.existingSecrets | default dict) .role -}}
{{- if $existing -}}
{{- $existing -}}
{{- else if and .ctx.Values.nats.deploy .ctx.Values.nats.auth.enabled -}}
{{- printf "livesync-nats-%s" .role -}}
{{- end -}}
{{- end }}

{{/* The Secret with the NATS TLS files (ca.crt; tls.crt and tls.key for the server), or "". */}}
{{- define "livesync.natsTlsSecret" -}}
{{- if .Values.nats.tls.secretName -}}
{{- .Values.nats.tls.secretName -}}
{{- else if and .Values.nats.deploy .Values.nats.tls.enabled -}}
livesync-nats-tls
{{- end -}}
{{- end }}

{{/* The environment variable the deployed NATS reads a component's password from. */}}
{{- define "livesync.natsPasswordVar" -}}
{{- printf "NATS_PASSWORD_%s" (. | upper | replace "-" "_") -}}
{{- end }}
