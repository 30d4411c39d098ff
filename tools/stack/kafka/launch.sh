#!/usr/bin/env bash
# Started by stack.sh (`up`) as the Kafka broker's process: formats the storage first when given a
# cluster id, then execs the broker, which keeps this pid. So a first start formats while the other
# services boot.
#
#   launch.sh PROPS DATA_DIR CLUSTER_ID|'' JAVA CLASSPATH LOG4J_OPT 'TOOL_JVM_OPTS' BROKER_JVM_OPTS...
set -euo pipefail
props=$1 data=$2 cluster_id=$3 java=$4 cp=$5 log_cfg=$6 tool_opts=$7
shift 7
if [[ -n $cluster_id ]]; then
  # No meta.properties (never formatted, or an interrupted format): start from empty storage.
  rm -rf "$data"
  # shellcheck disable=SC2086 # tool_opts is a list of JVM flags
  "$java" $tool_opts "$log_cfg" -cp "$cp" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$props"
fi
exec "$java" "$@" "$log_cfg" -cp "$cp" kafka.Kafka "$props"
