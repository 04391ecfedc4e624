#!/usr/bin/env bash
# Runs every fuzz target for a short bounded time, one after another, on
# one worker each (FUZZTIME, default 10s, or a count of executions such as
# 3000x, which CI uses; FUZZPARALLEL, default 1). A
# finding fails the script; go test writes the failing input under the
# package's testdata/fuzz/<FuzzName>/, which is then committed with its fix.
# The long runs (10 minutes each) are the same command with FUZZTIME=10m.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-10s}"
parallel="${FUZZPARALLEL:-1}"
targets=(
  ./api/:FuzzVerify
  ./api/:FuzzJSStringify
  ./api/:FuzzWebhookHandler
  ./api/:FuzzReferralRequest
  ./api/:FuzzWireReferralValidate
  ./ui/form/:FuzzCodesField
  ./ui/form/:FuzzPatientDOB
  ./ui/picker/:FuzzParseDate
  ./textsafe/:FuzzClean
  ./serve/:FuzzParseAuthorizedKeys
  ./serve/:FuzzLineRenderer
  ./cli/:FuzzReadSubmit
)
for t in "${targets[@]}"; do
  pkg=${t%%:*} name=${t#*:}
  echo "== fuzz $name ($pkg, $fuzztime)"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 10s -parallel "$parallel" -timeout 0 "$pkg"
done
echo "== fuzz: every target ran $fuzztime without a finding"
