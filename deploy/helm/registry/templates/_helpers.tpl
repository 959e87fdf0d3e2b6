{{/* Names and labels. */}}
{{- define "registry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "registry.fullname" -}}
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

{{- define "registry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "registry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "registry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "registry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "registry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "registry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "registry.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret the chart makes from inline values (not for production). */}}
{{- define "registry.inlineSecretName" -}}
{{- printf "%s-secrets" (include "registry.fullname" .) }}
{{- end }}

{{/*
The Secret a file secret is read from: its existingSecret, else the chart's
own when a value is given inline; empty when the secret is not configured.
*/}}
{{- define "registry.secretFor" -}}
{{- if .ref.existingSecret }}
{{- .ref.existingSecret }}
{{- else if .ref.value }}
{{- include "registry.inlineSecretName" .root }}
{{- end }}
{{- end }}

{{/* True (non-empty) when the pod needs the key-file copy. */}}
{{- define "registry.hasKeyFiles" -}}
{{- $v := .Values }}
{{- if or (include "registry.secretFor" (dict "ref" $v.vault.adminToken "root" .)) (include "registry.secretFor" (dict "ref" $v.tokenService.signingKey "root" .)) (include "registry.secretFor" (dict "ref" $v.terminalTokenKey "root" .)) }}true{{ end }}
{{- end }}

{{- define "registry.scheme" -}}
{{- if .Values.tls.existingSecret }}HTTPS{{ else }}HTTP{{ end }}
{{- end }}

{{/*
One env entry per set value of a dict name → value; unset (null or "")
values are left out, so registryd's own default applies. Numbers are
written as integers (Helm reads YAML numbers as float64).
*/}}
{{- define "registry.envFrom" -}}
{{- range $name, $value := . }}
{{- if not (or (kindIs "invalid" $value) (eq (toString $value) "")) }}
- name: {{ $name }}
  value: {{ if kindIs "float64" $value }}{{ $value | int64 | toString | quote }}{{ else }}{{ $value | toString | quote }}{{ end }}
{{- end }}
{{- end }}
{{- end }}
