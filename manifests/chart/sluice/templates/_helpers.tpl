{{/*
sluice.name is the app.kubernetes.io/name label: the chart name unless overridden.
*/}}
{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
sluice.fullname names every object. It does not include the release name: the
CompositeController and the admission policies exist once per cluster, and the
names stay those of the kustomize install ("sluice") unless fullnameOverride is set.
*/}}
{{- define "sluice.fullname" -}}
{{- default (include "sluice.name" .) .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
sluice.chart is the helm.sh/chart label.
*/}}
{{- define "sluice.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
sluice.labels are the labels of every object: those of the kustomize manifests
(app.kubernetes.io/name, app.kubernetes.io/part-of) plus Helm's.
*/}}
{{- define "sluice.labels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/part-of: sluice
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "sluice.chart" . }}
{{- end }}

{{/*
sluice.selectorLabels select the hook's pods. They are those of the kustomize
manifests, so that a Deployment installed with kubectl can be taken over by the
chart (a Deployment's selector cannot change).
*/}}
{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/component: hook
{{- end }}

{{/*
sluice.image is the hook's image reference; the tag defaults to the appVersion.
*/}}
{{- define "sluice.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}

{{/*
sluice.hookURL is the URL through which Metacontroller calls one of the hook's
paths: the release's Service in the release's namespace, port 80, or with
tls.enabled https on port 443. Call it with (list $ "sync").
*/}}
{{- define "sluice.hookURL" -}}
{{- $root := index . 0 -}}
{{- printf "%s://%s.%s.svc/%s" (ternary "https" "http" $root.Values.tls.enabled) (include "sluice.fullname" $root) $root.Release.Namespace (index . 1) }}
{{- end }}

{{/*
sluice.tlsSecret names the Secret holding the hook's serving certificate
(tls.crt, tls.key) and the CA that signed it (ca.crt).
*/}}
{{- define "sluice.tlsSecret" -}}
{{- .Values.tls.secretName | default (printf "%s-tls" (include "sluice.fullname" .)) }}
{{- end }}

{{/*
sluice.webhook is a hook's webhook block: its URL, timeout and, with TLS, the
CA that Metacontroller checks the hook's certificate against. Call it with
(list $ "sync").
*/}}
{{- define "sluice.webhook" -}}
{{- $root := index . 0 -}}
url: {{ include "sluice.hookURL" . }}
timeout: {{ $root.Values.hookTimeout | quote }}
{{- if $root.Values.tls.enabled }}
caBundle:
  secretRef:
    name: {{ include "sluice.tlsSecret" $root }}
    namespace: {{ $root.Release.Namespace }}
    key: ca.crt
{{- end }}
{{- end }}
