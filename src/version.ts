/** The product's name and version, read once from package.json (from src/ or from dist/src/). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function readPackage(): { name: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { name: string; version: string };
    dir = dirname(dir);
  }
  return { name: "sip-xmpp-gateway", version: "0.0.0" };
}

const pkg = readPackage();
export const PRODUCT_NAME = pkg.name;
export const PRODUCT_VERSION = pkg.version;
