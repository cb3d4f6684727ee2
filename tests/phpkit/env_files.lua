-- paths and local files: dirname, basename, pathinfo, file_exists, file_get/put_contents, unlink
for _, p in ipairs({"/a/b/c.txt", "/a/b/", "a", "/", "", ".", "//a//b//", "a/b", "/a", "c.tar.gz", ".hidden", "dir/"}) do echo(dirname(p), "|", basename(p), "|", basename(p, ".txt"), "|", json_encode(pathinfo(p)), "\n") end
var_dump(dirname("/a/b/c/d", 2), dirname("/a/b/c/d", 9), dirname("a/b", 3), pathinfo("/x/y.z", PATHINFO_EXTENSION), pathinfo("/x/y", PATHINFO_EXTENSION), pathinfo("/x/y.z", PATHINFO_FILENAME))
local f = "tests/phpkit/env_files.tmp" local d = "tests/phpkit"
var_dump(file_exists(f), file_put_contents(f, "one\0two\n"), file_exists(f), is_file(f), is_dir(f), is_dir(d), is_file(d), file_exists(d))
var_dump(file_put_contents(f, {"a", "b", 3}, FILE_APPEND), file_get_contents(f), 11)
var_dump(unlink(f), file_exists(f), unlink(f), file_get_contents(f), is_readable(f))
var_dump(file_put_contents("tests/phpkit/no/such/dir.tmp", "x"), unlink("tests/phpkit/no-such-file.tmp"))
local ok, err = pcall(dirname, "a", 0) if not ok then echo((err:gsub("^.-:%d+: ", "")), "\n") end
