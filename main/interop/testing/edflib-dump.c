/* Reads an EDF+ file with EDFlib and prints it as JSON: header, per-signal parameters and
   digital samples, annotations. Built and run by edf-export.test.ts: cc edflib-dump.c -ledf. */
#include <stdio.h>
#include <stdlib.h>
#include <edflib.h>

int main(int argc, char **argv) {
  struct edf_hdr_struct h;
  if (argc < 2) return 2;
  if (edfopen_file_readonly(argv[1], &h, EDFLIB_READ_ALL_ANNOTATIONS) < 0) {
    printf("{\"error\": %d}\n", h.filetype);
    return 0;
  }
  printf("{\"filetype\": %d, \"records\": %lld, \"recordDuration\": %lld, \"subsecond\": %lld, \"start\": \"%04d-%02d-%02dT%02d:%02d:%02d\",", h.filetype, h.datarecords_in_file, h.datarecord_duration, h.starttime_subsecond,
         h.startdate_year, h.startdate_month, h.startdate_day, h.starttime_hour, h.starttime_minute, h.starttime_second);
  printf("\"patientcode\": \"%s\", \"patientName\": \"%s\", \"signals\": [", h.patientcode, h.patient_name);
  for (int s = 0; s < h.edfsignals; s++) {
    struct edf_param_struct *p = &h.signalparam[s];
    long long n = p->smp_in_file;
    int *buf = malloc(sizeof(int) * (n > 0 ? n : 1));
    int got = edfread_digital_samples(h.handle, s, (int)n, buf);
    printf("%s{\"label\": \"%s\", \"unit\": \"%s\", \"perRecord\": %d, \"physMin\": %.10g, \"physMax\": %.10g, \"digMin\": %d, \"digMax\": %d, \"n\": %lld, \"read\": %d, \"digital\": [",
           s ? "," : "", p->label, p->physdimension, p->smp_in_datarecord, p->phys_min, p->phys_max, p->dig_min, p->dig_max, n, got);
    for (int i = 0; i < got; i++) printf("%s%d", i ? "," : "", buf[i]);
    printf("]}");
    free(buf);
  }
  printf("], \"annotations\": [");
  for (long long i = 0; i < h.annotations_in_file; i++) {
    struct edf_annotation_struct a;
    edf_get_annotation(h.handle, (int)i, &a);
    printf("%s{\"onset\": %lld, \"duration\": \"%s\", \"text\": \"", i ? "," : "", a.onset, a.duration);
    for (char *c = a.annotation; *c; c++) if (*c != '"' && *c != '\\') putchar(*c);
    printf("\"}");
  }
  printf("]}\n");
  edfclose_file(h.handle);
  return 0;
}
