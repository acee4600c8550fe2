"""The envelope of each release the AKS control plane reports (test_kubectl.py's
test_kms_envelope_per_release: 1.26 KMS v1, 1.27 the v2beta layout, 1.29+ the HKDF seed), with
the apiserver on real etcd 3.4 and the stored bytes read by etcdctl. One etcd serves the module;
each release writes under its own --etcd-prefix."""
import pytest

from conftest import Apiserver
from etcd_cluster import module_etcd  # noqa: F401 (a fixture)
from test_kubectl import KMS_RELEASES, check_kms_envelope, kms_config, start_mock_plugin


@pytest.mark.parametrize("version,api,status_version", KMS_RELEASES)
def test_kms_envelope_per_release_on_etcd(apiserver_binary, tmp_path, module_etcd, kubectl_available,
                                          version, api, status_version):
    sock = tmp_path / "kms.sock"
    plugin = start_mock_plugin(apiserver_binary, sock, status_version)
    config = tmp_path / "enc.json"
    kms_config(config, api, sock)
    prefix = "/v" + version.replace(".", "-")
    server = Apiserver(apiserver_binary, tmp_path / "d", [
        "--kubernetes-version", version, "--encryption-provider-config", str(config),
        "--etcd-servers", module_etcd.url(0), "--etcd-prefix", prefix])
    try:
        server.start()
        check_kms_envelope(server, version, api, lambda key: module_etcd.get(f"{prefix}/{key}"))
        # etcdctl and the apiserver's raw route agree on the bytes.
        assert server.raw_value(f"{prefix}/secrets/default/s1") == module_etcd.get(
            f"{prefix}/secrets/default/s1")
    finally:
        if server.proc and server.proc.poll() is None:
            assert server.stop() == 0
        plugin.terminate()
        plugin.wait(timeout=20)
