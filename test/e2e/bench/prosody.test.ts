import { startProsody } from "../../support/prosody.js";
import { xmppServerCases } from "./xmpp-server-cases.js";

xmppServerCases("prosody", startProsody);
