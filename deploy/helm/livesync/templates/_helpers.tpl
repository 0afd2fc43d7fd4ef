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
