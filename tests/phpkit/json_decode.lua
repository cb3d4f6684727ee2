-- json_decode: objects or arrays, depth, big numbers, errors
local keep = json_decode('{"a":{"b":1},"c":{},"d":[]}') var_dump(keep)
var_dump(json_decode('{"a":{"b":1},"c":{},"d":[1,"x",true,false,1.5,-0.0]}', true))
var_dump(json_decode('[1,{"0":2,"":3}]'), json_decode('{"0":"zero","1":"one"}', true), json_decode('{"0":"a","x":"b"}', true))
var_dump(json_decode('{"7":"seven","k":"v"}', true), json_decode('{"a":1,"a":2}', true), json_decode('[]'), json_decode('{}', true))
var_dump(json_decode('12345678901234567890'), json_decode('12345678901234567890', false, 512, JSON_BIGINT_AS_STRING), json_decode('-0'), json_decode('2.5E-1'), json_decode('-1.5e-3'))
var_dump(json_decode(' "\\u00e9\\ud83d\\ude00\\n\\/" '), json_decode('"\\u0000x"'), json_decode('true'), json_decode('null'), json_last_error())
var_dump(json_decode(''), json_last_error(), json_last_error_msg())
var_dump(json_decode('[1,]'), json_last_error_msg(), json_decode('{"a" 1}'), json_last_error_msg(), json_decode('[1] x'), json_last_error_msg())
var_dump(json_decode("\"a\1\""), json_last_error_msg(), json_decode("\"\255\""), json_last_error_msg(), json_decode('"\\ud800"'), json_last_error_msg())
var_dump(json_decode('{"\\u0000a":1}'), json_last_error_msg(), json_decode('{"\\u0000a":1}', true))
var_dump(json_decode('[[1]]', false, 1), json_last_error_msg(), json_decode('[[1]]', true, 2), json_decode('1', true, 1))
var_dump(json_decode("\"a\255b\"", false, 512, JSON_INVALID_UTF8_SUBSTITUTE), json_decode("\"a\255b\"", false, 512, JSON_INVALID_UTF8_IGNORE))
var_dump(json_decode('{"a":{"b":2}}', nil, 512, JSON_OBJECT_AS_ARRAY), json_decode('TRUE'), json_decode('01'), json_decode('[1.]'))
local ok, err = pcall(json_decode, '{', false, 512, JSON_THROW_ON_ERROR) if not ok then echo((err:gsub("^.-:%d+: ", "")), "\n") end
ok, err = pcall(json_decode, '1', false, 0) if not ok then echo((err:gsub("^.-:%d+: ", "")), "\n") end
echo(json_encode(json_decode('{"a":[],"b":{},"c":{"d":[1,2]}}')), json_encode(json_decode('{"a":[],"b":{}}', true)), "\n")
print_r(json_decode('{"a":{"b":[1,2]},"e":{}}')) var_export(json_decode('{"a":{"b":[]}}')) echo("\n")
