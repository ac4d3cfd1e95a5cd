#!/usr/bin/env bash
# build-binaries.sh builds the Kubernetes control plane that Sluice's end-to-end tests
# run against — kube-apiserver, kube-controller-manager, kubectl and etcd — from the
# Go module proxy, into a cache directory outside the repository keyed by version:
#
#   ${SLUICE_E2E_CACHE:-$HOME/.cache/sluice-e2e}/k8s-<version>/{kube-apiserver,kube-controller-manager,kubectl}
#   ${SLUICE_E2E_CACHE:-$HOME/.cache/sluice-e2e}/etcd-<version>/etcd
#   ${SLUICE_E2E_CACHE:-$HOME/.cache/sluice-e2e}/helm-<version>/helm
#
# Binaries already in the cache are reused (a warm run builds nothing). The versions
# come from kubebin/go.mod, etcdbin/go.mod and helmbin/go.mod. On success the script
# prints three lines on stdout, `k8s=<dir>`, `etcd=<dir>` and `helm=<dir>`; progress
# goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${SLUICE_E2E_CACHE:-$HOME/.cache/sluice-e2e}"

# module_version prints the version that go.mod file $1 requires of module $2.
module_version() {
	local v
	v="$(awk -v m="$2" '$1 == m && $2 ~ /^v/ {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' "$1")"
	if [[ -z "$v" ]]; then
		echo "build-binaries.sh: $1 does not require $2" >&2
		exit 1
	fi
	echo "$v"
}

k8s_version="$(module_version "$here/kubebin/go.mod" k8s.io/kubernetes)"
etcd_version="$(module_version "$here/etcdbin/go.mod" go.etcd.io/etcd/server/v3)"
helm_version="$(module_version "$here/helmbin/go.mod" helm.sh/helm/v3)"
helm_k8s_version="$(module_version "$here/helmbin/go.mod" k8s.io/client-go)"
k8s_dir="$cache/k8s-$k8s_version"
etcd_dir="$cache/etcd-$etcd_version"
helm_dir="$cache/helm-$helm_version"
mkdir -p "$k8s_dir" "$etcd_dir" "$helm_dir"

# One build at a time per cache, even when several test runs start together.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/.lock"
	flock 9
fi

# Clients parse /version: stamp the release into both version packages.
minor="${k8s_version#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

# build DIR MODULE_DIR PACKAGE NAME [LDFLAGS] builds PACKAGE of the module in
# MODULE_DIR into DIR/NAME unless it is there already; the rename makes it atomic.
build() {
	local dir="$1" mod="$2" pkg="$3" name="$4" flags="${5:-}"
	if [[ -x "$dir/$name" ]]; then
		echo "build-binaries.sh: reusing $dir/$name" >&2
		return
	fi
	echo "build-binaries.sh: building $name ($pkg) into $dir" >&2
	local start=$SECONDS
	(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "$flags" -o "$dir/$name.tmp.$$" "$pkg")
	mv -f "$dir/$name.tmp.$$" "$dir/$name"
	echo "build-binaries.sh: built $name in $((SECONDS - start))s" >&2
}

# Helm stamps its own version and, as its release builds do, the Kubernetes version
# it assumes without a cluster (helm template, helm lint) from its client-go minor:
# unstamped it assumes 1.20, below the chart's kubeVersion.
helm_minor="${helm_k8s_version#v0.}"
helm_minor="${helm_minor%%.*}"
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$helm_version"
helm_ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$helm_minor"

build "$etcd_dir" "$here/etcdbin" go.etcd.io/etcd/server/v3 etcd "-s -w"
build "$k8s_dir" "$here/kubebin" k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$ldflags"
build "$k8s_dir" "$here/kubebin" k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager "$ldflags"
build "$k8s_dir" "$here/kubebin" k8s.io/kubernetes/cmd/kubectl kubectl "$ldflags"
build "$helm_dir" "$here/helmbin" helm.sh/helm/v3/cmd/helm helm "$helm_ldflags"

echo "k8s=$k8s_dir"
echo "etcd=$etcd_dir"
echo "helm=$helm_dir"
