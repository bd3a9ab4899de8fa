// workerd module types: a `data` module imports as an ArrayBuffer, a `json` module as its value.
declare module '*.safetensors' {
  const bytes: ArrayBuffer;
  export default bytes;
}
declare module '*/config.json' {
  const value: Record<string, unknown>;
  export default value;
}
