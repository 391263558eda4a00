# Sourced by bench/proxy-vs-nginx.sh and bench/modules-micro.sh: the module files of the bench's "troupe+mods"
# (mod_block, mod_header, mod_access), so both measure the same rules and templates.
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
