/**
 * The HTTP front door: JSON requests mapped to the Avro events, published, and answered with their
 * decision; a refused request gets a status code and a JSON body naming what is wrong (the OpenAPI
 * document is {@code fabric/openapi.json}).
 */
package io.provability.fabric.topology.http;
