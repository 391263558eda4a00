# Sourced by bench/proxy-vs-nginx.sh and bench/modules-micro.sh: the module files of the bench's "troupe+mods"
# (mod_block, mod_header, mod_access), so both measure the same rules and templates; and for proxy-vs-nginx.sh,
# the nginx equivalents of those files and the headers every nginx proxy of the bench sets.
# write_bench_mods_conf DIR: writes DIR/mod_block, DIR/mod_header and DIR/mod_access; the access log goes to
# DIR/../logs.
write_bench_mods_conf() {
local dir="$1"
# 100 CLOSE rules for the product; none matches GET /index.html from 127.0.0.1 without the headers named, so every
# request is checked against all of them and goes through.
block_rules() {
  local i cond sep=""
  for i in $(seq 0 99); do
    case $((i % 4)) in
      0) cond="req_path_prefix_in(\\\"/admin/$i|/internal/$i/\\\", false)" ;;
      1) cond="req_header_value_in(\\\"X-Block-Token\\\", \\\"bad-$i|worse-$i\\\", false)" ;;
      2) cond="req_cip_range(\\\"10.$i.0.0\\\", \\\"10.$i.255.255\\\")" ;;
      3) cond="req_path_prefix_in(\\\"/api/v$i/\\\", false) && req_method_in(\\\"POST|PUT|DELETE\\\")" ;;
    esac
    printf '%s\n      {"Cond": "%s", "Name": "rule-%d", "Action": {"Cmd": "CLOSE", "Params": []}}' "$sep" "$cond" "$i"
    sep=","
  done
}
mkdir -p "$dir/mod_block" "$dir/mod_header" "$dir/mod_access"
cat > "$dir/mod_block/mod_block.conf" <<INI
[Basic]
ProductRulePath = mod_block/block_rules.data
IPBlocklistPath = mod_block/ip_blocklist.data

[Log]
OpenDebug = false
INI
{
  echo '{"Version": "bench", "Config": {"global": [], "bench": ['
  block_rules
  echo
  echo '  ]}}'
} > "$dir/mod_block/block_rules.data"
{
  echo '# {"version": "bench", "singleIPNum": 10, "pairIPNum": 10}'
  for i in $(seq 1 10); do echo "192.0.2.$i"; echo "198.51.$i.0/24"; done
} > "$dir/mod_block/ip_blocklist.data"
cat > "$dir/mod_header/mod_header.conf" <<INI
[Basic]
DataPath = mod_header/header_rule.data

[Log]
OpenDebug = false
INI
cat > "$dir/mod_header/header_rule.data" <<J
{"Version": "bench", "Config": {"bench": [
  {"Cond": "req_path_prefix_in(\"/admin\", false)", "Actions": [{"Cmd": "REQ_HEADER_SET", "Params": ["X-Admin", "1"]}], "Last": true},
  {"Cond": "default_t()", "Actions": [
    {"Cmd": "REQ_HEADER_SET", "Params": ["X-Bfe-Vip", "%bfe_vip"]},
    {"Cmd": "REQ_HEADER_ADD", "Params": ["X-Bench-Via", "troupe"]},
    {"Cmd": "RSP_HEADER_SET", "Params": ["X-Proxied-By", "troupe"]},
    {"Cmd": "RSP_HEADER_ADD", "Params": ["X-Bench-Client", "%bfe_client_ip"]}], "Last": false}
]}}
J
# BFE's shipped mod_access.conf, the log in the bench's temp dir, plus the matched mod_block rule
cat > "$dir/mod_access/mod_access.conf" <<INI
[Log]
LogPrefix = access
LogDir = ../logs
RotateWhen = NEXTHOUR
BackupCount = 2

[Template]
RequestTemplate = "REQUEST_LOG \$time clientip: \$remote_addr serverip: \$server_addr host: \$host product: \$product user_agent: \${User-Agent}req_header status: \$status_code error: \$error block: \${mod_block.block_info}req_ctx"
SessionTemplate = "SESSION_LOG  \$time clientip: \$ses_clientip start_time: \$ses_start_time end_time: \$ses_end_time overhead: \$ses_overhead read_total: \$ses_read_total write_total: \$ses_write_total keepalive_num: \$ses_keepalive_num error: \$ses_error"
INI
}

# nginx_forward_headers: the upstream headers of every nginx proxy of the bench: keep-alive to the backend, and the
# three headers the Troupe proxy always adds (X-Forwarded-For, X-Real-IP, X-Forwarded-Proto)
nginx_forward_headers() {
  echo 'proxy_set_header Connection "";'
  echo 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'
  echo 'proxy_set_header X-Real-IP $remote_addr;'
  echo 'proxy_set_header X-Forwarded-Proto $scheme;'
}

# write_bench_nginx_mods DIR MODULES LOG: nginx's equivalent of the troupe+mods files above, for the modules in the
# comma-separated MODULES, so that the nginx peer of troupe+mods does the same work per request:
#   DIR/nginx-mods-http.conf      the http block's part: mod_block's map and geo lookups, the log format
#   DIR/nginx-mods-server.conf    the server block's part: mod_block's rules, each match closing the connection
#                                 (return 444: no answer, as BFE's CLOSE)
#   DIR/nginx-mods-location.conf  the proxied location's part: mod_header's headers (proxy_set_header and
#                                 add_header replace the location's inherited ones, so Connection and the
#                                 headers the Troupe proxy always adds are set here again)
#   DIR/nginx-mods-access-log     the access_log directive's arguments: LOG, or "off" without mod_access
write_bench_nginx_mods() {
local dir="$1" mods=",$2," log="$3" i
: > "$dir/nginx-mods-http.conf"
: > "$dir/nginx-mods-server.conf"
nginx_forward_headers > "$dir/nginx-mods-location.conf"
echo off > "$dir/nginx-mods-access-log"
if [[ "$mods" == *,mod_block,* ]]; then
  # the same 100 rules and 20 blocklist entries as nginx does such things fastest: a path prefix is a prefix
  # location (nginx's static location tree), a header value an exact map string (hashed), a cip range and the
  # blocklist geo entries (a radix tree), a method test an exact map string
  {
    echo 'map $http_x_block_token $bench_block_token {'; echo '  default "";'
    for i in $(seq 1 4 99); do echo "  bad-$i rule-$i;"; echo "  worse-$i rule-$i;"; done
    echo '}'
    echo 'geo $bench_block_cip {'; echo '  default "";'
    for i in $(seq 2 4 99); do echo "  10.$i.0.0/16 rule-$i;"; done
    echo '}'
    echo 'geo $bench_block_ip {'; echo '  default 0;'
    for i in $(seq 1 10); do echo "  192.0.2.$i 1;"; echo "  198.51.$i.0/24 1;"; done
    echo '}'
    # whether a header or cip rule matched (an nginx if tests one variable)
    echo 'map $bench_block_token$bench_block_cip $bench_block {'; echo '  "" 0;'; echo '  default 1;'; echo '}'
    echo 'map $request_method $bench_write_method {'; echo '  default 0;'
    echo '  POST 1;'; echo '  PUT 1;'; echo '  DELETE 1;'; echo '}'
  } >> "$dir/nginx-mods-http.conf"
  {
    echo 'if ($bench_block_ip) { return 444; }'
    echo 'if ($bench_block) { return 444; }'
    for i in $(seq 0 4 99); do
      echo "location ^~ /admin/$i { return 444; }"
      echo "location ^~ /internal/$i/ { return 444; }"
    done
    for i in $(seq 3 4 99); do
      echo "location ^~ /api/v$i/ { if (\$bench_write_method) { return 444; }"
      echo "  proxy_pass http://backend; proxy_http_version 1.1; include $dir/nginx-mods-location.conf; }"
    done
  } >> "$dir/nginx-mods-server.conf"
fi
if [[ "$mods" == *,mod_header,* ]]; then
  # BFE's default headers (X-Forwarded-Host, X-Forwarded-Port, X-Real-Port, X-Bfe-Ip), then the rule file's
  cat >> "$dir/nginx-mods-location.conf" <<'NGX'
proxy_set_header X-Forwarded-Host $host;
proxy_set_header X-Forwarded-Port $remote_port;
proxy_set_header X-Real-Port $remote_port;
proxy_set_header X-Bfe-Ip $server_addr;
proxy_set_header X-Bfe-Vip $server_addr;
proxy_set_header X-Bench-Via troupe;
add_header X-Proxied-By troupe;
add_header X-Bench-Client $remote_addr;
NGX
fi
if [[ "$mods" == *,mod_access,* ]]; then
  # mod_access's template above, in nginx's variables; buffered and flushed by time, as mod_access's writer
  # thread batches its writes
  echo 'log_format bench_mods '"'"'REQUEST_LOG $time_local clientip: $remote_addr serverip: $server_addr host: $host product: bench user_agent: $http_user_agent status: $status error: - block: -'"'"';' \
    >> "$dir/nginx-mods-http.conf"
  echo "$log bench_mods buffer=64k flush=1s" > "$dir/nginx-mods-access-log"
fi
}
