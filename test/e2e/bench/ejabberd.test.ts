import { startEjabberd } from "../../support/ejabberd.js";
import { xmppServerCases } from "./xmpp-server-cases.js";

xmppServerCases("ejabberd", startEjabberd);
