{{- define "kaidian.env" -}}
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
{{- define "kaidian.envFrom" -}}
- secretRef:
    name: {{ .Values.existingSecret }}
{{- end -}}
