//! The wire types keep every field: documents that use every property of their schema
//! validate, parse into the wire types and serialize back to the same JSON.

use corridor_vda5050::{ProtocolVersion, Topic, TopicKind, VehicleId, codec, v2, v3};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::schema::assert_valid;

fn same_after_wire<W: DeserializeOwned + Serialize>(
    version: ProtocolVersion,
    kind: TopicKind,
    doc: Value,
) {
    let bytes = serde_json::to_vec(&doc).unwrap();
    assert_valid(version, kind, &bytes);
    let wire: W = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        serde_json::to_value(&wire).unwrap(),
        doc,
        "{version} {kind}"
    );
    // And the model takes it too.
    let vehicle = VehicleId::new("Corridor", "IGV-07").unwrap();
    let topic = Topic::new("uagv", version, vehicle, kind).unwrap();
    let message = codec::decode(&topic, &bytes).unwrap();
    assert_eq!(message.header().header_id, 5);
}

fn header(version: &str) -> Value {
    json!({"headerId": 5, "timestamp": "2026-05-01T08:30:00.125Z", "version": version,
           "manufacturer": "Corridor", "serialNumber": "IGV-07"})
}

fn with_header(version: &str, body: Value) -> Value {
    let mut doc = header(version);
    doc.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    doc
}

#[test]
fn v2_order_every_field() {
    let action = json!({"actionType": "pick", "actionId": "a1", "actionDescription": "lift",
        "blockingType": "HARD", "actionParameters": [{"key": "loadId", "value": "ABCU1234567"}]});
    let doc = with_header(
        "2.1.0",
        json!({
            "orderId": "o", "orderUpdateId": 0, "zoneSetId": "z",
            "nodes": [
                {"nodeId": "A", "sequenceId": 0, "nodeDescription": "gate", "released": true,
                 "nodePosition": {"x": 1.5, "y": 2.5, "theta": 0.5, "allowedDeviationXY": 0.3,
                                  "allowedDeviationTheta": 0.1, "mapId": "m", "mapDescription": "d"},
                 "actions": [action]},
                {"nodeId": "B", "sequenceId": 2, "released": true, "actions": []}],
            "edges": [{"edgeId": "A-B", "sequenceId": 1, "edgeDescription": "lane", "released": true,
                "startNodeId": "A", "endNodeId": "B", "maxSpeed": 6.0, "maxHeight": 4.5, "minHeight": 0.1,
                "orientation": 0.0, "orientationType": "TANGENTIAL", "direction": "left",
                "rotationAllowed": false, "maxRotationSpeed": 0.2, "length": 40.0,
                "trajectory": {"degree": 1, "knotVector": [0.0, 0.0, 1.0, 1.0],
                               "controlPoints": [{"x": 1.5, "y": 2.5, "weight": 1.0}, {"x": 41.5, "y": 2.5}]},
                "corridor": {"leftWidth": 0.5, "rightWidth": 0.5, "corridorRefPoint": "KINEMATICCENTER"},
                "actions": []}]
        }),
    );
    same_after_wire::<v2::Order>(ProtocolVersion::V2, TopicKind::Order, doc);
}

#[test]
fn v3_order_every_field() {
    let action = json!({"actionType": "pick", "actionId": "a1", "actionDescriptor": "lift",
        "blockingType": "SINGLE", "actionParameters": [{"key": "h", "value": {"objects": "as", "well": true}}],
        "retriable": true});
    let doc = with_header(
        "3.0.0",
        json!({
            "orderId": "o", "orderUpdateId": 3, "orderDescription": "export",
            "nodes": [
                {"nodeId": "B", "sequenceId": 4, "nodeDescriptor": "scale", "released": true,
                 "nodePosition": {"x": 1.5, "y": 2.5, "theta": -0.5,
                                  "allowedDeviationXY": {"a": 0.5, "b": 0.25, "theta": 0.1},
                                  "allowedDeviationTheta": 0.1, "mapId": "m"},
                 "actions": [action]},
                {"nodeId": "C", "sequenceId": 6, "released": false, "actions": []}],
            "edges": [{"edgeId": "B-C", "sequenceId": 5, "edgeDescriptor": "lane", "released": false,
                "maximumSpeed": 6.0, "maximumMobileRobotHeight": 4.5, "minimumLoadHandlingDeviceHeight": 0.1,
                "orientation": 3.0, "orientationType": "GLOBAL", "direction": "left",
                "reachOrientationBeforeEntering": true, "maxRotationSpeed": 0.2,
                "trajectory": {"degree": 2, "knotVector": [0.0, 0.5, 1.0], "controlPoints": [{"x": 1.0, "y": 2.0, "weight": 0.5}]},
                "length": 40.0,
                "corridor": {"leftWidth": 0.5, "rightWidth": 0.75, "corridorReferencePoint": "CONTOUR",
                             "releaseRequired": true, "releaseLossBehavior": "RETURN"},
                "actions": []}]
        }),
    );
    same_after_wire::<v3::Order>(ProtocolVersion::V3, TopicKind::Order, doc);
}

fn load() -> Value {
    json!({"loadId": "ABCU1234567", "loadType": "40HC", "loadPosition": "deck",
           "boundingBoxReference": {"x": 0.0, "y": 0.0, "z": 1.0, "theta": 0.0},
           "loadDimensions": {"length": 12.19, "width": 2.44, "height": 2.9}, "weight": 26000.0})
}

#[test]
fn v2_state_every_field() {
    let doc = with_header(
        "2.1.0",
        json!({
            "maps": [{"mapId": "m", "mapVersion": "3", "mapDescription": "d", "mapStatus": "ENABLED"}],
            "orderId": "o", "orderUpdateId": 2, "zoneSetId": "z", "lastNodeId": "B", "lastNodeSequenceId": 2,
            "driving": true, "paused": false, "newBaseRequest": true, "distanceSinceLastNode": 3.5,
            "operatingMode": "TEACHIN",
            "nodeStates": [{"nodeId": "C", "sequenceId": 4, "nodeDescription": "x", "released": true,
                            "nodePosition": {"x": 1.0, "y": 2.0, "theta": 0.5, "mapId": "m"}}],
            "edgeStates": [{"edgeId": "B-C", "sequenceId": 3, "edgeDescription": "x", "released": true,
                            "trajectory": {"degree": 1, "knotVector": [0.0, 1.0], "controlPoints": [{"x": 1.0, "y": 2.0}]}}],
            "agvPosition": {"x": 1.0, "y": 2.0, "theta": 0.5, "mapId": "m", "mapDescription": "d",
                            "positionInitialized": true, "localizationScore": 0.9, "deviationRange": 0.1},
            "velocity": {"vx": 1.0, "vy": 0.0, "omega": 0.1},
            "loads": [load()],
            "actionStates": [{"actionId": "a", "actionType": "pick", "actionDescription": "d",
                              "actionStatus": "RUNNING", "resultDescription": "r"}],
            "batteryState": {"batteryCharge": 80.0, "batteryVoltage": 650.0, "batteryHealth": 97.0,
                             "charging": false, "reach": 120000.0},
            "errors": [{"errorType": "orderError", "errorReferences": [{"referenceKey": "orderId", "referenceValue": "o"}],
                        "errorDescription": "d", "errorHint": "h", "errorLevel": "WARNING"}],
            "information": [{"infoType": "t", "infoReferences": [{"referenceKey": "k", "referenceValue": "v"}],
                             "infoDescription": "d", "infoLevel": "DEBUG"}],
            "safetyState": {"eStop": "AUTOACK", "fieldViolation": false}
        }),
    );
    same_after_wire::<v2::State>(ProtocolVersion::V2, TopicKind::State, doc);
}

#[test]
fn v3_state_every_field() {
    let trajectory = json!({"degree": 1, "knotVector": [0.0, 1.0], "controlPoints": [{"x": 1.0, "y": 2.0, "weight": 1.0}]});
    let action_state = json!({"actionId": "a", "actionType": "pick", "actionDescriptor": "d",
                              "actionStatus": "RETRIABLE", "actionResult": "r"});
    let doc = with_header(
        "3.0.0",
        json!({
            "maps": [{"mapId": "m", "mapVersion": "3", "mapDescriptor": "d", "mapStatus": "DISABLED"}],
            "zoneSets": [{"zoneSetId": "z", "mapId": "m", "zoneSetStatus": "ENABLED"}],
            "orderId": "o", "orderUpdateId": 2, "lastNodeId": "B", "lastNodeSequenceId": 2,
            "nodeStates": [{"nodeId": "C", "sequenceId": 4, "nodeDescriptor": "x", "released": true,
                            "nodePosition": {"x": 1.0, "y": 2.0, "theta": 0.5, "mapId": "m"}}],
            "edgeStates": [{"edgeId": "B-C", "sequenceId": 3, "edgeDescriptor": "x", "released": true, "trajectory": trajectory}],
            "plannedPath": {"trajectory": trajectory, "traversedNodes": ["B", "C"]},
            "intermediatePath": {"polyline": [{"x": 1.0, "y": 2.0, "theta": 0.1, "eta": "2026-05-01T08:30:05.000Z"}]},
            "mobileRobotPosition": {"x": 1.0, "y": 2.0, "theta": 0.5, "mapId": "m", "localized": true,
                                    "localizationScore": 0.9, "deviationRange": 0.1},
            "velocity": {"vx": 1.0, "vy": 0.0, "omega": 0.1},
            "loads": [load()],
            "driving": false, "paused": true, "newBaseRequest": false,
            "zoneRequests": [{"requestId": "r1", "requestType": "ACCESS", "zoneId": "zn", "zoneSetId": "z",
                              "requestStatus": "REQUESTED", "trajectory": trajectory}],
            "edgeRequests": [{"requestId": "r2", "requestType": "CORRIDOR", "edgeId": "B-C", "sequenceId": 3,
                              "requestStatus": "GRANTED"}],
            "distanceSinceLastNode": 3.5,
            "actionStates": [action_state],
            "instantActionStates": [action_state],
            "zoneActionStates": [action_state],
            "powerSupply": {"stateOfCharge": 80.0, "batteryVoltage": 650.0, "batteryCurrent": -120.0,
                            "batteryHealth": 97.0, "charging": true, "range": 120000.0},
            "operatingMode": "INTERVENED",
            "errors": [{"errorType": "OUTDATED_ORDER_UPDATE",
                        "errorReferences": [{"referenceKey": "orderId", "referenceValue": "o"}],
                        "errorDescription": "d", "errorDescriptionTranslations": [{"translationKey": "vi", "translationValue": "cũ"}],
                        "errorHint": "h", "errorHintTranslations": [{"translationKey": "zh", "translationValue": "提示"}],
                        "errorLevel": "URGENT"}],
            "information": [{"infoType": "t", "infoReferences": [{"referenceKey": "k", "referenceValue": "v"}],
                             "infoDescriptor": "d", "infoLevel": "INFO"}],
            "safetyState": {"activeEmergencyStop": "REMOTE", "fieldViolation": true}
        }),
    );
    same_after_wire::<v3::State>(ProtocolVersion::V3, TopicKind::State, doc);
}

#[test]
fn v3_visualization_every_field() {
    let doc = with_header(
        "3.0.0",
        json!({
            "referenceStateHeaderId": 4,
            "plannedPath": {"trajectory": {"controlPoints": [{"x": 1.0, "y": 2.0}]}, "traversedNodes": ["B"]},
            "intermediatePath": {"polyline": [{"x": 1.0, "y": 2.0, "eta": "2026-05-01T08:30:05.000Z"}]},
            "mobileRobotPosition": {"x": 1.0, "y": 2.0, "theta": 0.5, "mapId": "m", "localized": true},
            "velocity": {"vx": 1.0, "vy": 0.5, "omega": 0.1}
        }),
    );
    same_after_wire::<v3::Visualization>(ProtocolVersion::V3, TopicKind::Visualization, doc);
}

#[test]
fn v2_factsheet_every_field() {
    let doc = with_header(
        "2.1.0",
        json!({
            "typeSpecification": {"seriesName": "IGV", "seriesDescription": "container carrier",
                "agvKinematic": "THREEWHEEL", "agvClass": "CARRIER", "maxLoadMass": 40000.0,
                "localizationTypes": ["NATURAL", "RFID"], "navigationTypes": ["AUTONOMOUS"]},
            "physicalParameters": {"speedMin": 0.1, "speedMax": 6.1, "accelerationMax": 0.5, "decelerationMax": 2.5,
                "heightMin": 1.2, "heightMax": 4.2, "width": 3.0, "length": 15.6},
            "protocolLimits": {
                "maxStringLens": {"msgLen": 65535, "topicSerialLen": 20, "topicElemLen": 20, "idLen": 40,
                                  "idNumericalOnly": false, "enumLen": 30, "loadIdLen": 11},
                "maxArrayLens": {"order.nodes": 40, "order.edges": 39, "node.actions": 4, "edge.actions": 4,
                    "actions.actionsParameters": 8, "instantActions": 8, "trajectory.knotVector": 20,
                    "trajectory.controlPoints": 16, "state.nodeStates": 40, "state.edgeStates": 39,
                    "state.loads": 2, "state.actionStates": 50, "state.errors": 20, "state.information": 20,
                    "error.errorReferences": 5, "information.infoReferences": 5},
                "timing": {"minOrderInterval": 1.0, "minStateInterval": 0.5, "defaultStateInterval": 5.0,
                           "visualizationInterval": 0.2}},
            "protocolFeatures": {
                "optionalParameters": [{"parameter": "order.edges.trajectory", "support": "SUPPORTED", "description": "d"}],
                "agvActions": [{"actionType": "pick", "actionDescription": "d", "actionScopes": ["NODE", "EDGE"],
                    "actionParameters": [{"key": "lhd", "valueDataType": "STRING", "description": "d", "isOptional": true}],
                    "resultDescription": "r"}]},
            "agvGeometry": {
                "wheelDefinitions": [{"type": "DRIVE", "isActiveDriven": true, "isActiveSteered": false,
                    "position": {"x": 1.0, "y": 0.5, "theta": 0.0}, "diameter": 1.0, "width": 0.4,
                    "centerDisplacement": 0.0, "constraints": "c"}],
                "envelopes2d": [{"set": "unloaded", "polygonPoints": [{"x": 0.0, "y": 0.0}, {"x": 15.6, "y": 0.0}, {"x": 15.6, "y": 3.0}],
                                 "description": "d"}],
                "envelopes3d": [{"set": "s", "format": "DXF", "data": {"k": 1}, "url": "https://x"}]},
            "loadSpecification": {"loadPositions": ["deck"], "loadSets": [{"setName": "DEFAULT", "loadType": "40HC",
                "loadPositions": ["deck"], "boundingBoxReference": {"x": 0.0, "y": 0.0, "z": 1.0, "theta": 0.0},
                "loadDimensions": {"length": 12.19, "width": 2.44, "height": 2.9}, "maxWeight": 30480.0,
                "minLoadhandlingHeight": 1.0, "maxLoadhandlingHeight": 1.5, "minLoadhandlingDepth": 0.0,
                "maxLoadhandlingDepth": 0.1, "minLoadhandlingTilt": 0.0, "maxLoadhandlingTilt": 0.05,
                "agvSpeedLimit": 5.0, "agvAccelerationLimit": 0.4, "agvDecelerationLimit": 2.0,
                "pickTime": 60.0, "dropTime": 60.0, "description": "d"}]},
            "vehicleConfig": {"versions": [{"key": "softwareVersion", "value": "1.2.3"}],
                "network": {"dnsServers": ["10.0.0.1"], "localIpAddress": "10.0.0.7", "ntpServers": ["10.0.0.2"],
                            "netmask": "255.255.255.0", "defaultGateway": "10.0.0.254"}}
        }),
    );
    same_after_wire::<v2::Factsheet>(ProtocolVersion::V2, TopicKind::Factsheet, doc);
}

#[test]
fn v3_factsheet_every_field() {
    let doc = with_header(
        "3.0.0",
        json!({
            "typeSpecification": {"seriesName": "IGV", "seriesDescription": "container carrier",
                "mobileRobotKinematics": "THREE_WHEEL", "mobileRobotClass": "CARRIER", "maximumLoadMass": 40000.0,
                "localizationTypes": ["NATURAL", "GNSS_RTK"], "navigationTypes": ["FREELY_NAVIGATING"],
                "supportedZones": ["BLOCKED", "SPEED_LIMIT"]},
            "physicalParameters": {"minimumSpeed": 0.1, "maximumSpeed": 6.1, "minimumAngularSpeed": 0.01,
                "maximumAngularSpeed": 0.3, "maximumAcceleration": 0.5, "maximumDeceleration": 2.5,
                "minimumHeight": 1.2, "maximumHeight": 4.2, "width": 3.0, "length": 15.6},
            "protocolLimits": {
                "maximumStringLengths": {"maximumMessageLength": 65535, "maximumTopicSerialLength": 20,
                    "maximumTopicElementLength": 20, "maximumIdLength": 40, "idNumericalOnly": false,
                    "maximumLoadIdLength": 11},
                "maximumArrayLengths": {"order.nodes": 40, "order.edges": 39, "node.actions": 4, "edge.actions": 4,
                    "actions.actionsParameters": 8, "instantActions": 8, "trajectory.knotVector": 20,
                    "trajectory.controlPoints": 16, "zoneSet.zones": 100, "state.nodeStates": 40,
                    "state.edgeStates": 39, "state.loads": 2, "state.actionStates": 50,
                    "state.instantActionStates": 20, "state.zoneActionStates": 20, "state.errors": 20,
                    "state.information": 20, "error.errorReferences": 5, "information.infoReferences": 5},
                "timing": {"minimumOrderInterval": 1.0, "minimumStateInterval": 0.5, "defaultStateInterval": 5.0,
                           "visualizationInterval": 0.2}},
            "protocolFeatures": {
                "optionalParameters": [{"parameter": "order.edges.corridor", "support": "REQUIRED", "description": "d"}],
                "mobileRobotActions": [{"actionType": "pick", "actionDescription": "d", "actionScopes": ["NODE", "ZONE"],
                    "actionParameters": [{"key": "lhd", "valueDataType": "STRING", "description": "d", "isOptional": true}],
                    "actionResult": "r", "blockingTypes": ["SINGLE", "HARD"], "pauseAllowed": true, "cancelAllowed": false}]},
            "mobileRobotGeometry": {
                "wheelDefinitions": [{"type": "DRIVE", "isActiveDriven": true, "isActiveSteered": true,
                    "position": {"x": 1.0, "y": 0.5, "theta": 0.0}, "diameter": 1.0, "width": 0.4,
                    "centerDisplacement": 0.0, "constraints": "c"}],
                "envelopes2d": [{"envelope2dId": "unloaded", "vertices": [{"x": 0.0, "y": 0.0}, {"x": 15.6, "y": 3.0}], "description": "d"}],
                "envelopes3d": [{"envelope3dId": "e", "format": "DXF", "data": {"k": [1, 2]}, "url": "https://x", "description": "d"}]},
            "loadSpecification": {"loadPositions": ["deck"], "loadSets": [{"setName": "DEFAULT", "loadType": "40HC",
                "loadPositions": ["deck"], "boundingBoxReference": {"x": 0.0, "y": 0.0, "z": 1.0, "theta": 0.0},
                "loadDimensions": {"length": 12.19, "width": 2.44, "height": 2.9}, "maximumWeight": 30480.0,
                "minimumLoadhandlingHeight": 1.0, "maximumLoadhandlingHeight": 1.5, "minimumLoadhandlingDepth": 0.0,
                "maximumLoadhandlingDepth": 0.1, "minimumLoadhandlingTilt": 0.0, "maximumLoadhandlingTilt": 0.05,
                "maximumSpeed": 5.0, "maximumAcceleration": 0.4, "maximumDeceleration": 2.0,
                "pickTime": 60.0, "dropTime": 60.0, "description": "d"}]},
            "mobileRobotConfiguration": {"versions": [{"key": "softwareVersion", "value": "1.2.3"}],
                "network": {"dnsServers": ["10.0.0.1"], "ntpServers": ["10.0.0.2"], "localIpAddress": "10.0.0.7",
                            "netmask": "255.255.255.0", "defaultGateway": "10.0.0.254"},
                "batteryCharging": {"criticalLowChargingLevel": 10.0, "minimumDesiredChargingLevel": 30.0,
                                    "maximumDesiredChargingLevel": 90.0, "minimumChargingTime": 600.0}}
        }),
    );
    same_after_wire::<v3::Factsheet>(ProtocolVersion::V3, TopicKind::Factsheet, doc);
}

#[test]
fn v3_zone_set_every_zone_type() {
    let square = json!([{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}, {"x": 1.0, "y": 1.0}]);
    let action = json!({"actionType": "beep", "actionDescriptor": "d", "blockingType": "NONE",
                        "actionParameters": [{"key": "k", "value": 1}], "retriable": false});
    let zone = |id: &str, extra: Value| {
        let mut z = json!({"zoneId": id, "zoneDescriptor": "d", "vertices": square});
        z.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        z
    };
    let doc = with_header(
        "3.0.0",
        json!({"zoneSet": {"mapId": "m", "zoneSetId": "z", "zoneSetDescriptor": "d", "zones": [
            zone("1", json!({"zoneType": "BLOCKED"})),
            zone("2", json!({"zoneType": "LINE_GUIDED"})),
            zone("3", json!({"zoneType": "RELEASE", "releaseLossBehavior": "EVACUATE"})),
            zone("4", json!({"zoneType": "COORDINATED_REPLANNING"})),
            zone("5", json!({"zoneType": "SPEED_LIMIT", "maximumSpeed": 2.0})),
            zone("6", json!({"zoneType": "ACTION", "entryActions": [action], "duringActions": [], "exitActions": [action]})),
            zone("7", json!({"zoneType": "PRIORITY", "priorityFactor": 0.5})),
            zone("8", json!({"zoneType": "PENALTY", "penaltyFactor": 1.0})),
            zone("9", json!({"zoneType": "DIRECTED", "direction": 1.5, "directedLimitation": "STRICT"})),
            zone("10", json!({"zoneType": "BIDIRECTED", "direction": 0.0, "bidirectedLimitation": "RESTRICTED"}))
        ]}}),
    );
    same_after_wire::<v3::ZoneSetMessage>(ProtocolVersion::V3, TopicKind::ZoneSet, doc);
}
