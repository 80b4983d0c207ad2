#!/bin/sh
# Idle CPU of the board with N live sessions (default 1000): a generated stream of N
# answered calls at one instant plus one event an hour later keeps `calltop replay`
# playing (timers tick at 1 Hz) with nothing else arriving. Runs it in tmux (160x45) and reads utime+stime
# from /proc/<pid>/stat over 30 s. Usage: benches/idle_cpu.sh [BIN] [N] [SECONDS]
set -eu
BIN=${1:-target/release/calltop}
N=${2:-1000}
SECS=${3:-30}
DIR=$(mktemp -d)
FILE=$DIR/idle.jsonl
awk -v n="$N" 'BEGIN {
  for (i = 0; i < n; i++) {
    t = "2024-05-01T12:00:00.000Z";
    printf "{\"timestamp\":\"%s\",\"body\":{\"sequence\":2,\"telephonySessionId\":\"s-%d\",\"eventTime\":\"%s\",\"parties\":[{\"id\":\"p-%d\",\"direction\":\"Inbound\",\"extensionId\":\"%d\",\"from\":{\"phoneNumber\":\"+1415555%04d\"},\"to\":{\"phoneNumber\":\"+18005550100\",\"name\":\"Agent %d\"},\"status\":{\"code\":\"Answered\"}}]}}\n", t, i, t, i, 1000 + i % 200, i, i % 200
  }
  printf "{\"timestamp\":\"2024-05-01T13:00:00.000Z\",\"body\":{\"sequence\":2,\"telephonySessionId\":\"s-last\",\"eventTime\":\"2024-05-01T13:00:00.000Z\",\"parties\":[{\"id\":\"p-last\",\"direction\":\"Inbound\",\"status\":{\"code\":\"Proceeding\"}}]}}\n"
}' > "$FILE"
NAME=calltop-idle-$$
tmux new-session -d -s "$NAME" -x 160 -y 45 "CALLTOP_LOG_DIR=$DIR $BIN replay $FILE"
sleep 5
PID=$(pgrep -n -f "$BIN replay $FILE")
TCK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
A=$(cpu); sleep "$SECS"; B=$(cpu)
tmux capture-pane -p -t "$NAME" | head -6
tmux kill-session -t "$NAME"
rm -rf "$DIR"
echo "sessions=$N seconds=$SECS cpu_ticks=$((B - A)) clk_tck=$TCK"
awk -v a="$A" -v b="$B" -v t="$TCK" -v s="$SECS" 'BEGIN { printf "idle CPU: %.2f %% of one core\n", (b - a) / t / s * 100 }'
