/** Writes docs/configuration.md and config/gateway.example.yaml from the schema. */
import { writeFileSync } from "node:fs";
import { renderReference, renderSample } from "../src/config/describe-config.js";

writeFileSync("docs/configuration.md", renderReference());
writeFileSync("config/gateway.example.yaml", renderSample());
console.log("wrote docs/configuration.md and config/gateway.example.yaml");
