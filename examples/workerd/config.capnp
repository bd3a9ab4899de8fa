# splitee on workerd: the cloud role on 127.0.0.1:8787, the device role on 127.0.0.1:8788.
# The device's fetches (its offloads) go to the cloud service: globalOutbound routes them there.
# Build the worker first: node examples/workerd/build.mjs; then: workerd serve examples/workerd/config.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "cloud", worker = .cloudWorker),
    (name = "device", worker = .deviceWorker),
  ],
  sockets = [
    (name = "cloud", address = "127.0.0.1:8787", http = (), service = "cloud"),
    (name = "device", address = "127.0.0.1:8788", http = (), service = "device"),
  ],
);

const modules :List(Workerd.Worker.Module) = [
  (name = "worker.js", esModule = embed "worker.js"),
  (name = "config.json", json = embed "../../weights/fmnist-resnet/config.json"),
  (name = "model.safetensors", data = embed "../../weights/fmnist-resnet/model.safetensors"),
];

const cloudWorker :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [(name = "ROLE", text = "cloud")],
);

const deviceWorker :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [(name = "ROLE", text = "device"), (name = "CLOUD_URL", text = "http://cloud.internal")],
  globalOutbound = "cloud",
);
