<?php // STDIN, STDOUT, STDERR: fgets, fgetc, fread, feof, fwrite
var_dump(feof(STDIN), fgets(STDIN), fgetc(STDIN), fgets(STDIN, 4), fread(STDIN, 3), fgets(STDIN));
var_dump(fgets(STDIN), feof(STDIN), fgets(STDIN), fgetc(STDIN), fread(STDIN, 10), feof(STDIN));
var_dump(fwrite(STDOUT, "to stdout\n"), fputs(STDOUT, "abcdef", 3), fwrite(STDERR, "to stderr\n"), fflush(STDOUT));
var_dump(STDIN, STDOUT); print_r(STDERR); echo "\n"; echo STDERR, "\n";
var_dump(PHP_EOL, fwrite(STDOUT, 12.5), fwrite(STDOUT, PHP_EOL));
$out = fopen("php://stdout", "w"); var_dump(fwrite($out, "via php://stdout\n"), fclose($out));
