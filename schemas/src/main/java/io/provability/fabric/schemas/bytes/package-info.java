/** Small byte helpers shared by every module: copying an Avro {@code bytes} buffer to an array. */
package io.provability.fabric.schemas.bytes;
